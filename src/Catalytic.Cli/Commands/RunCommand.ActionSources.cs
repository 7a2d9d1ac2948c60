using Catalytic.Runner.Actions.Remote;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

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

    private static void ReadConfigActionsUrls(string file, List<string> urls, List<string> errors)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(File.ReadAllText(file)));
        }
        catch (YamlException)
        {
            // The actions: mapping reader reports the YAML error with its position.
            return;
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root
            || !root.Children.TryGetValue(new YamlScalarNode("actions-url"), out var node))
        {
            return;
        }

        string At(YamlNode n) => $"{file}:{n.Start.Line}:{n.Start.Column}";
        IEnumerable<YamlNode> values = node switch
        {
            YamlScalarNode => [node],
            YamlSequenceNode list => list.Children,
            _ => [],
        };
        if (node is YamlMappingNode || (node is YamlSequenceNode { Children.Count: 0 }))
        {
            errors.Add($"{At(node)}: 'actions-url' must be a URL or a list of URLs, e.g. 'actions-url: https://gitea.example.com'");
            return;
        }

        foreach (var value in values)
        {
            if (value is not YamlScalarNode { Value: { } url })
            {
                errors.Add($"{At(value)}: actions-url: each entry must be a URL (a string)");
                continue;
            }

            if (ActionSources.Validate(url) is { } problem)
            {
                errors.Add($"{At(value)}: actions-url: {problem}");
                continue;
            }

            urls.Add(url.Trim());
        }
    }
}
