using Catalytic.Runner.Actions.Local;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Catalytic.Cli.Commands;

internal sealed partial class RunCommand
{
    /// <summary>
    /// The remote actions mapped to local folders: the <c>actions:</c> mapping of catalytic.yml in
    /// <paramref name="directory"/> (paths relative to that file), then each <c>--action-dir</c> (relative to the
    /// current directory), which wins for the same key. Any bad entry is a usage error naming the option or
    /// file:line:column, and nothing runs.
    /// </summary>
    internal static ActionDirectoryMap? LoadActionDirectories(IReadOnlyList<string> options, string directory)
    {
        var entries = new List<(string Key, string Path)>();
        var errors = new List<string>();
        var config = Path.Combine(directory, "catalytic.yml");
        if (File.Exists(config))
        {
            ReadConfigActions(config, entries, errors);
        }

        foreach (var value in options)
        {
            if (ActionDirectoryMap.SplitOption(value) is not { } pair)
            {
                errors.Add($"--action-dir expects owner/name[@ref]=PATH, got '{value}'");
                continue;
            }

            var (_, problems) = ActionDirectoryMap.Create([pair], directory);
            errors.AddRange(problems.Select(p => "--action-dir: " + p));
            entries.Add((pair.Key, Path.GetFullPath(pair.Path, directory)));
        }

        if (errors.Count > 0)
        {
            throw new UsageException(string.Join(Environment.NewLine, errors));
        }

        if (entries.Count == 0)
        {
            return null;
        }

        var (map, _) = ActionDirectoryMap.Create(entries, directory);
        return map;
    }

    private static void ReadConfigActions(string file, List<(string Key, string Path)> entries, List<string> errors)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(File.ReadAllText(file)));
        }
        catch (YamlException e)
        {
            errors.Add($"{file}:{e.Start.Line}:{e.Start.Column}: invalid YAML: {e.InnerException?.Message ?? e.Message}");
            return;
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root
            || !root.Children.TryGetValue(new YamlScalarNode("actions"), out var node))
        {
            return;
        }

        string At(YamlNode n) => $"{file}:{n.Start.Line}:{n.Start.Column}";
        if (node is not YamlMappingNode actions)
        {
            errors.Add($"{At(node)}: 'actions' must be a mapping of owner/name[@ref] to a folder, e.g. 'actions: {{ my-org/my-action@v1: ../my-action }}'");
            return;
        }

        var baseDirectory = Path.GetDirectoryName(Path.GetFullPath(file))!;
        foreach (var (k, v) in actions.Children)
        {
            if (k is not YamlScalarNode { Value: { } key } || v is not YamlScalarNode { Value: { } path })
            {
                errors.Add($"{At(k)}: actions: each entry maps owner/name[@ref] to a folder path (a string)");
                continue;
            }

            var (_, problems) = ActionDirectoryMap.Create([(key, path)], baseDirectory);
            foreach (var problem in problems)
            {
                // A bad name points at the key, a bad folder at the value.
                var at = problem.Contains("not an action name", StringComparison.Ordinal) ? k : v;
                errors.Add($"{At(at)}: actions: {problem}");
            }

            entries.Add((key, Path.GetFullPath(path, baseDirectory)));
        }
    }
}
