using System.Collections.Immutable;
using Catalytic.Platform.Config;
using Catalytic.Platform.Yaml;
using Catalytic.Runner.Actions.Local;

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

    /// <summary>
    /// The <c>actions:</c> section of catalytic.yml: each owner/name[@ref] with the folder it maps to, both as written
    /// (their positions point errors at the key or the folder); checked against the file system by the caller.
    /// </summary>
    internal static ConfigSection<ImmutableArray<(YamlScalar Key, YamlScalar Folder)>> ActionsSection { get; } = new("actions", ReadActions, []);

    private static ImmutableArray<(YamlScalar Key, YamlScalar Folder)> ReadActions(YamlNode node, YamlReader r)
    {
        if (node is not YamlMapping actions)
        {
            r.Error(node, "'actions' must be a mapping of owner/name[@ref] to a folder, e.g. 'actions: { my-org/my-action@v1: ../my-action }'");
            return [];
        }

        var entries = ImmutableArray.CreateBuilder<(YamlScalar, YamlScalar)>();
        foreach (var (key, value) in actions.Entries)
        {
            if (value is YamlScalar folder)
            {
                entries.Add((key, folder));
            }
            else
            {
                r.Error(key, "actions: each entry maps owner/name[@ref] to a folder path (a string)");
            }
        }

        return entries.ToImmutable();
    }

    private static void ReadConfigActions(string file, List<(string Key, string Path)> entries, List<string> errors)
    {
        // `run` reads only its own section: the rest of catalytic.yml is the server's to check (`catalytic serve`).
        var config = CatalyticFile.Parse(File.ReadAllText(file), file);
        string At(YamlMark at) => $"{file}:{at.Line}:{at.Column}";
        errors.AddRange(config.Document.Errors.Select(e => $"{At(e.At)}: {(e.IsSyntax ? "invalid YAML: " : "")}{e.Message}"));
        if (config.Document.Errors.Length > 0)
        {
            return;
        }

        var section = config.Read(ActionsSection);
        errors.AddRange(section.Errors.Select(e => $"{At(e.At)}: {e.Message}"));
        var baseDirectory = Path.GetDirectoryName(Path.GetFullPath(file))!;
        foreach (var (key, folder) in section.Value)
        {
            var (_, problems) = ActionDirectoryMap.Create([(key.Value, folder.Value)], baseDirectory);
            foreach (var problem in problems)
            {
                // A bad name points at the key, a bad folder at the value.
                var at = problem.Contains("not an action name", StringComparison.Ordinal) ? key : folder;
                errors.Add($"{At(at.Start)}: actions: {problem}");
            }

            entries.Add((key.Value, Path.GetFullPath(folder.Value, baseDirectory)));
        }
    }
}
