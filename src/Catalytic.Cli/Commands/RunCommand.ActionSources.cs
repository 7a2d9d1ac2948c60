using System.Collections.Immutable;
using Catalytic.Platform.Config;
using Catalytic.Platform.Yaml;
using Catalytic.Runner.Actions.Remote;

namespace Catalytic.Cli.Commands;

internal sealed partial class RunCommand
{
    /// <summary>
    /// Where remote actions are fetched from: each <c>--actions-url</c> in order when any is given, else catalytic.yml's
    /// <c>actions-url:</c> (a URL or a list) in <paramref name="directory"/>, else nothing (the runner's default,
    /// https://github.com). A bad value is a usage error naming the option or file:line:column, and nothing runs.
    /// </summary>
    internal static IReadOnlyList<string> LoadActionsUrls(IReadOnlyList<string> options, string directory)
    {
        var errors = new List<string>();
        var urls = new List<string>();
        if (options.Count > 0)
        {
            foreach (var value in options)
            {
                if (ActionSources.Validate(value) is { } problem)
                {
                    errors.Add("--actions-url: " + problem);
                }

                urls.Add(value.Trim());
            }
        }
        else if (File.Exists(Path.Combine(directory, "catalytic.yml")))
        {
            ReadConfigActionsUrls(Path.Combine(directory, "catalytic.yml"), urls, errors);
        }

        return errors.Count > 0 ? throw new UsageException(string.Join(Environment.NewLine, errors)) : urls;
    }

    /// <summary>The <c>actions-url:</c> section of catalytic.yml: a URL or a list of them, each as written (its position names errors).</summary>
    internal static ConfigSection<ImmutableArray<YamlScalar>> ActionsUrlSection { get; } = new("actions-url", ReadActionsUrls, []);

    private static ImmutableArray<YamlScalar> ReadActionsUrls(YamlNode node, YamlReader r)
    {
        if (node is YamlMapping || node is YamlSequence { Items.Length: 0 })
        {
            r.Error(node, "'actions-url' must be a URL or a list of URLs, e.g. 'actions-url: https://gitea.example.com'");
            return [];
        }

        var urls = ImmutableArray.CreateBuilder<YamlScalar>();
        foreach (var value in node is YamlSequence list ? list.Items : [node])
        {
            if (value is YamlScalar url)
            {
                urls.Add(url);
            }
            else
            {
                r.Error(value, "actions-url: each entry must be a URL (a string)");
            }
        }

        return urls.ToImmutable();
    }

    private static void ReadConfigActionsUrls(string file, List<string> urls, List<string> errors)
    {
        // The actions: section's reader reports the file's own problems (YAML, unknown sections) with their positions.
        var config = CatalyticFile.Parse(File.ReadAllText(file), file);
        if (config.Document.Errors.Length > 0)
        {
            return;
        }

        string At(YamlMark at) => $"{file}:{at.Line}:{at.Column}";
        var section = config.Read(ActionsUrlSection);
        errors.AddRange(section.Errors.Select(e => $"{At(e.At)}: {e.Message}"));
        foreach (var url in section.Value)
        {
            if (ActionSources.Validate(url.Value) is { } problem)
            {
                errors.Add($"{At(url.Start)}: actions-url: {problem}");
                continue;
            }

            urls.Add(url.Value.Trim());
        }
    }
}
