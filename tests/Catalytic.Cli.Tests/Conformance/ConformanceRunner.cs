using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Catalytic.Testing.Processes;
using Catalytic.Testing.Waiting;

namespace Catalytic.Cli.Tests.Conformance;

/// <summary>What one CLI invocation of a case produced.</summary>
/// <param name="Files">The state right after the run of each path the run's expectations name: the file's text,
/// "" for a folder, null when missing (a later run of the case may change them).</param>
public sealed record RunOutcome(IReadOnlyList<string> Args, int ExitCode, bool TimedOut, string Output, string? ReportJson, TimeSpan Elapsed)
{
    public IReadOnlyDictionary<string, string?> Files { get; init; } = new Dictionary<string, string?>();
}

/// <summary>What a whole case produced: one outcome per run, and the work tree it ran in (kept when the case fails).</summary>
public sealed record CaseOutcome(ConformanceCase Case, string WorkTree, IReadOnlyList<RunOutcome> Runs, string? SetupError, TimeSpan Elapsed);

/// <summary>
/// Runs cases as real <c>catalytic</c> processes: copies the case's repository to a temporary folder, commits it with a
/// fixed author and date (so commit SHAs are the same on every machine), applies the case's extra commits, then runs
/// the CLI with the case's arguments plus <c>--json</c>.
/// </summary>
public static class ConformanceRunner
{
    /// <summary>The commit date of the case's first commit; each later commit is one minute later.</summary>
    private static readonly DateTimeOffset BaseDate = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly ConcurrentDictionary<int, Process> Running = new();

    /// <summary>The folder of the cases: <c>tests/conformance</c> of the checkout holding this test binary.</summary>
    public static string CasesDirectory { get; } = FindCases();

    /// <summary>The CLI, built next to the tests.</summary>
    public static string CliDll { get; } = Path.Combine(AppContext.BaseDirectory, "catalytic.dll");

    /// <summary>The names of every case folder, sorted.</summary>
    public static IReadOnlyList<string> CaseNames() =>
        [.. Directory.EnumerateDirectories(CasesDirectory)
            .Where(d => File.Exists(Path.Combine(d, "case.yml")))
            .Select(Path.GetFileName)
            .Order(StringComparer.Ordinal)!];

    /// <summary>Runs one case from start to end.</summary>
    public static async Task<CaseOutcome> RunAsync(ConformanceCase c, CancellationToken cancellationToken)
    {
        var started = RealTime.Clock.GetTimestamp();
        var work = Directory.CreateTempSubdirectory("catalytic-conformance-").FullName;
        var repo = Path.Combine(work, "repo");
        var runs = new List<RunOutcome>();
        var commitIndex = 0;
        try
        {
            CopyTree(c.RepoDirectory, repo);
            await Git(repo, commitIndex++, cancellationToken, "init", "-q", "-b", "main");
            await Git(repo, commitIndex, cancellationToken, "add", "-A");
            await Git(repo, commitIndex++, cancellationToken, "commit", "-q", "--allow-empty", "-m", "initial");
        }
        catch (InvalidOperationException e)
        {
            return new CaseOutcome(c, work, runs, e.Message, RealTime.Clock.GetElapsedTime(started));
        }

        for (var i = 0; i < c.Runs.Count; i++)
        {
            var run = c.Runs[i];
            try
            {
                foreach (var commit in run.Commits)
                {
                    await ApplyCommit(repo, commit, commitIndex++, cancellationToken);
                }
            }
            catch (InvalidOperationException e)
            {
                return new CaseOutcome(c, work, runs, $"run {i + 1}: {e.Message}", RealTime.Clock.GetElapsedTime(started));
            }

            runs.Add(await RunCli(c, run, repo, Path.Combine(work, $"report-{i + 1}.json"), cancellationToken));
        }

        return new CaseOutcome(c, work, runs, null, RealTime.Clock.GetElapsedTime(started));
    }

    /// <summary>Kills every CLI process still running (a filtered test run leaves the prefetched cases behind).</summary>
    public static void KillAll()
    {
        foreach (var p in Running.Values)
        {
            try
            {
                p.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already exited.
            }
        }
    }

    /// <summary>Replaces <c>{repo}</c> in a case's text with the work tree of this run.</summary>
    public static string Expand(string text, string repo) => text.Replace("{repo}", repo, StringComparison.Ordinal);

    private static async Task<RunOutcome> RunCli(ConformanceCase c, CaseRun run, string repo, string reportPath, CancellationToken cancellationToken)
    {
        var args = run.Args.Select(a => Expand(a, repo)).ToList();
        if (args.Count > 0 && args[0] == "run" && !args.Contains("--json"))
        {
            args.Add("--json");
            args.Add(reportPath);
        }
        else if (args.IndexOf("--json") is var j and >= 0 && j + 1 < args.Count && args[j + 1] != "-")
        {
            reportPath = Path.GetFullPath(args[j + 1], repo);
        }

        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = repo, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        psi.ArgumentList.Add(CliDll);
        args.ForEach(psi.ArgumentList.Add);

        // The host running the tests may itself be a CI job: its GITHUB_*/RUNNER_* must not leak into the case.
        foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("GITHUB_", StringComparison.Ordinal) || k.StartsWith("RUNNER_", StringComparison.Ordinal) || k.StartsWith("CATALYTIC_", StringComparison.Ordinal)).ToList())
        {
            psi.Environment.Remove(key);
        }

        // As test.sh (and the runner's own podman tests) do: this sandbox refuses runc's default rlimits, and the
        // project's containers.conf fixes them; a machine that needs another one sets CONTAINERS_CONF itself.
        if ((!psi.Environment.TryGetValue("CONTAINERS_CONF", out var conf) || string.IsNullOrEmpty(conf)) && RepositoryRoot() is { } root)
        {
            psi.Environment["CONTAINERS_CONF"] = Path.Combine(root, "tests", "podman", "containers.conf");
        }

        foreach (var (k, v) in run.Env)
        {
            psi.Environment[k] = Expand(v, repo);
        }

        var output = new StringBuilder();
        var started = RealTime.Clock.GetTimestamp();
        using var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        Running[process.Id] = process;
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var limit = new CancellationTokenSource(c.Timeout, RealTime.Clock);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            timedOut = true;
            process.Kill(entireProcessTree: true);
            await Catalytic.Testing.Waiting.Eventually.CompletesAsync(process.WaitForExitAsync(CancellationToken.None), "the killed run to end (its output pipes still open?)");
        }
        finally
        {
            Running.TryRemove(process.Id, out _);
        }

        // WaitForExitAsync returns once the output pipes are drained, so the text is complete here.
        string text;
        lock (output)
        {
            text = output.ToString();
        }

        var report = File.Exists(reportPath) ? await File.ReadAllTextAsync(reportPath, CancellationToken.None) : null;
        var files = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var path in run.Files.Keys.Concat(run.MissingFiles))
        {
            var full = Path.Combine(repo, path);
            files[path] = File.Exists(full) ? await File.ReadAllTextAsync(full, CancellationToken.None) : Directory.Exists(full) ? "" : null;
        }

        return new RunOutcome(args, timedOut ? -1 : process.ExitCode, timedOut, text, report, RealTime.Clock.GetElapsedTime(started)) { Files = files };
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.Append(line).Append('\n');
        }
    }

    private static async Task ApplyCommit(string repo, CaseCommit commit, int index, CancellationToken cancellationToken)
    {
        foreach (var (path, content) in commit.Files)
        {
            var full = Path.Combine(repo, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            await File.WriteAllTextAsync(full, content, cancellationToken);
        }

        foreach (var path in commit.Delete)
        {
            await Git(repo, index, cancellationToken, "rm", "-q", "-r", "--", path);
        }

        await Git(repo, index, cancellationToken, "add", "-A");
        await Git(repo, index, cancellationToken, "commit", "-q", "--allow-empty", "-m", commit.Message);
    }

    private static async Task Git(string repo, int commitIndex, CancellationToken cancellationToken, params string[] args)
    {
        var psi = new ProcessStartInfo("git") { WorkingDirectory = repo, RedirectStandardOutput = true, RedirectStandardError = true };
        var date = BaseDate.AddMinutes(commitIndex).ToString("yyyy-MM-ddTHH:mm:sszzz", CultureInfo.InvariantCulture);
        psi.Environment["GIT_AUTHOR_NAME"] = psi.Environment["GIT_COMMITTER_NAME"] = "Conformance";
        psi.Environment["GIT_AUTHOR_EMAIL"] = psi.Environment["GIT_COMMITTER_EMAIL"] = "conformance@catalytic.invalid";
        psi.Environment["GIT_AUTHOR_DATE"] = psi.Environment["GIT_COMMITTER_DATE"] = date;
        psi.Environment["GIT_CONFIG_GLOBAL"] = "/dev/null";
        psi.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        cancellationToken.ThrowIfCancellationRequested();
        var r = await ProcessRun.RunAsync(psi);
        if (r.Code != 0)
        {
            throw new InvalidOperationException($"git {string.Join(' ', args)} failed ({r.Code}): {r.Err.Trim()}");
        }
    }

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        if (!Directory.Exists(from))
        {
            return;
        }

        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        }

        // File.Copy keeps the Unix mode, so executable scripts stay executable.
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
        }
    }

    private static string FindCases()
    {
        if (Environment.GetEnvironmentVariable("CATALYTIC_CONFORMANCE_DIR") is { Length: > 0 } dir)
        {
            return dir;
        }

        return RepositoryRoot() is { } root ? Path.Combine(root, "tests", "conformance")
            : throw new InvalidOperationException("tests/conformance not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The folder holding Catalytic.slnx above the test binaries, or null.</summary>
    internal static string? RepositoryRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Catalytic.slnx")))
            {
                return d.FullName;
            }
        }

        return null;
    }
}
