using YamlDotNet.RepresentationModel;

namespace Catalytic.Cli.Tests.Conformance;

/// <summary>What one job of the <c>--json</c> report must show: its result and, optionally, outputs and a reason fragment.</summary>
public sealed record ExpectedJob(string Key, string? Result, IReadOnlyDictionary<string, string> Outputs, string? Reason);

/// <summary>One extra commit applied to the case's repository before a run (change-detection cases).</summary>
public sealed record CaseCommit(string Message, IReadOnlyDictionary<string, string> Files, IReadOnlyList<string> Delete);

/// <summary>One invocation of the CLI and what it must produce.</summary>
public sealed record CaseRun(
    IReadOnlyList<string> Args,
    int Exit,
    IReadOnlyList<string> Output,
    IReadOnlyList<string> Absent,
    IReadOnlyList<ExpectedJob> Jobs,
    IReadOnlyDictionary<string, string?> Files,
    IReadOnlyList<string> MissingFiles,
    IReadOnlyList<CaseCommit> Commits,
    IReadOnlyDictionary<string, string> Env);

/// <summary>
/// A conformance case: <c>tests/conformance/NAME/case.yml</c> plus the repository in <c>NAME/repo/</c>.
/// The top-level fields describe one run; <c>runs:</c> lists several (each with the same fields), run in order in
/// the same repository (a cache filled by the first is seen by the second).
/// </summary>
public sealed record ConformanceCase(string Name, string Directory, string Description, IReadOnlyList<CaseRun> Runs, TimeSpan Timeout)
{
    private static readonly HashSet<string> RunKeys = ["args", "exit", "output", "absent", "jobs", "files", "missing-files", "commits", "env"];
    private static readonly HashSet<string> TopKeys = [.. RunKeys, "description", "runs", "timeout"];

    /// <summary>The repository folder copied into the temporary work tree.</summary>
    public string RepoDirectory => Path.Combine(Directory, "repo");

    /// <summary>Reads <c>case.yml</c>; a mistake names the field (a typo must not silently drop an expectation).</summary>
    public static ConformanceCase Load(string directory)
    {
        var name = Path.GetFileName(directory);
        var file = Path.Combine(directory, "case.yml");
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(file);
            stream.Load(reader);
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new FormatException($"{file}:{e.Start.Line}:{e.Start.Column}: {e.Message}", e);
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new FormatException($"{file}: expected one mapping");
        }

        CheckKeys(file, root, TopKeys);
        var description = Scalar(root, "description") ?? "";
        var timeout = TimeSpan.FromSeconds(int.Parse(Scalar(root, "timeout") ?? "300", System.Globalization.CultureInfo.InvariantCulture));
        var defaults = ReadRun(file, root, inherited: null);
        var runs = new List<CaseRun>();
        if (Node(root, "runs") is { } runsNode)
        {
            if (runsNode is not YamlSequenceNode seq || seq.Children.Count == 0)
            {
                throw new FormatException($"{file}:{runsNode.Start.Line}: 'runs' must be a non-empty list");
            }

            foreach (var item in seq.Children)
            {
                if (item is not YamlMappingNode m)
                {
                    throw new FormatException($"{file}:{item.Start.Line}: each run is a mapping");
                }

                CheckKeys(file, m, RunKeys);
                runs.Add(ReadRun(file, m, defaults));
            }

            // Top-level commits happen once, before the first run; a run's own commits are never inherited.
            runs[0] = runs[0] with { Commits = [.. defaults.Commits, .. runs[0].Commits] };
        }
        else
        {
            runs.Add(defaults);
        }

        return new ConformanceCase(name, directory, description, runs, timeout);
    }

    private static CaseRun ReadRun(string file, YamlMappingNode node, CaseRun? inherited)
    {
        var env = new Dictionary<string, string>(inherited?.Env ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        foreach (var (k, v) in Map(file, node, "env"))
        {
            env[k] = v;
        }

        return new CaseRun(
            List(file, node, "args") is { Count: > 0 } args ? args : inherited?.Args ?? ["run"],
            Scalar(node, "exit") is { } exit ? int.Parse(exit, System.Globalization.CultureInfo.InvariantCulture) : inherited?.Exit ?? 0,
            Node(node, "output") is null ? inherited?.Output ?? [] : List(file, node, "output"),
            Node(node, "absent") is null ? inherited?.Absent ?? [] : List(file, node, "absent"),
            Node(node, "jobs") is null ? inherited?.Jobs ?? [] : Jobs(file, node),
            Node(node, "files") is null ? inherited?.Files ?? new Dictionary<string, string?>() : Files(file, node),
            Node(node, "missing-files") is null ? inherited?.MissingFiles ?? [] : List(file, node, "missing-files"),
            Commits(file, node),
            env);
    }

    private static List<ExpectedJob> Jobs(string file, YamlMappingNode node)
    {
        var jobs = new List<ExpectedJob>();
        if (Node(node, "jobs") is not YamlMappingNode map)
        {
            throw new FormatException($"{file}: 'jobs' maps job id (or matrix name) to a result");
        }

        foreach (var (k, v) in map.Children)
        {
            var key = ((YamlScalarNode)k).Value!;
            switch (v)
            {
                case YamlScalarNode s:
                    jobs.Add(new ExpectedJob(key, s.Value, new Dictionary<string, string>(), null));
                    break;
                case YamlMappingNode m:
                    CheckKeys(file, m, ["result", "outputs", "reason"]);
                    jobs.Add(new ExpectedJob(key, Scalar(m, "result"), Map(file, m, "outputs"), Scalar(m, "reason")));
                    break;
                default:
                    throw new FormatException($"{file}:{v.Start.Line}: job '{key}' expects a result or a mapping");
            }
        }

        return jobs;
    }

    private static Dictionary<string, string?> Files(string file, YamlMappingNode node)
    {
        var files = new Dictionary<string, string?>(StringComparer.Ordinal);
        switch (Node(node, "files"))
        {
            case YamlSequenceNode seq:
                foreach (var item in seq.Children)
                {
                    files[((YamlScalarNode)item).Value!] = null;
                }

                break;
            case YamlMappingNode:
                foreach (var (k, v) in Map(file, node, "files"))
                {
                    files[k] = v;
                }

                break;
            default:
                throw new FormatException($"{file}: 'files' is a list of paths or a mapping path → content fragment");
        }

        return files;
    }

    private static List<CaseCommit> Commits(string file, YamlMappingNode node)
    {
        var commits = new List<CaseCommit>();
        if (Node(node, "commits") is not { } n)
        {
            return commits;
        }

        if (n is not YamlSequenceNode seq)
        {
            throw new FormatException($"{file}:{n.Start.Line}: 'commits' is a list");
        }

        foreach (var item in seq.Children.OfType<YamlMappingNode>())
        {
            CheckKeys(file, item, ["message", "files", "delete"]);
            commits.Add(new CaseCommit(Scalar(item, "message") ?? "change", Map(file, item, "files"), List(file, item, "delete")));
        }

        return commits;
    }

    private static void CheckKeys(string file, YamlMappingNode node, HashSet<string> allowed)
    {
        foreach (var k in node.Children.Keys)
        {
            var key = ((YamlScalarNode)k).Value!;
            if (!allowed.Contains(key))
            {
                throw new FormatException($"{file}:{k.Start.Line}:{k.Start.Column}: unknown key '{key}' (allowed: {string.Join(", ", allowed.Order(StringComparer.Ordinal))})");
            }
        }
    }

    private static YamlNode? Node(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

    private static string? Scalar(YamlMappingNode node, string key) => (Node(node, key) as YamlScalarNode)?.Value;

    private static List<string> List(string file, YamlMappingNode node, string key) => Node(node, key) switch
    {
        null => [],
        YamlSequenceNode seq => [.. seq.Children.Select(c => (c as YamlScalarNode)?.Value ?? throw new FormatException($"{file}:{c.Start.Line}: '{key}' holds strings"))],
        YamlScalarNode s => [s.Value ?? ""],
        var other => throw new FormatException($"{file}:{other.Start.Line}: '{key}' is a list of strings"),
    };

    private static Dictionary<string, string> Map(string file, YamlMappingNode node, string key)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        switch (Node(node, key))
        {
            case null:
                break;
            case YamlMappingNode m:
                foreach (var (k, v) in m.Children)
                {
                    d[((YamlScalarNode)k).Value!] = (v as YamlScalarNode)?.Value ?? throw new FormatException($"{file}:{v.Start.Line}: '{key}' values are strings");
                }

                break;
            case var other:
                throw new FormatException($"{file}:{other.Start.Line}: '{key}' is a mapping");
        }

        return d;
    }
}
