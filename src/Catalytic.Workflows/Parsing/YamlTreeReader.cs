using Catalytic.Platform.Yaml;
using Catalytic.Workflows.Model;

namespace Catalytic.Workflows.Parsing;

/// <summary>
/// Reads a workflow or action file with the one YAML layer (<see cref="YamlDocument"/>: positions, every error collected,
/// never a throw on bad input) into the model's <see cref="TemplateNode"/>s, which keep the file name in each span.
/// Keys are compared ignoring case, as GitHub does (<c>'X' is already defined</c>).
/// </summary>
internal static class YamlTreeReader
{
    private static readonly YamlReadOptions Options = new() { IgnoreKeyCase = true };

    /// <summary>
    /// Parses <paramref name="text"/>, adding every problem to <paramref name="diagnostics"/>; null when the text holds
    /// no document or is not YAML (a structural problem such as a duplicate key leaves the rest of the tree usable).
    /// </summary>
    public static TemplateNode? Read(string file, string text, List<Diagnostic> diagnostics)
    {
        var document = YamlDocument.Parse(file, text, Options);
        foreach (var error in document.Errors)
        {
            diagnostics.Add(new Diagnostic(new SourceSpan(file, error.At.Line, error.At.Column), (error.IsSyntax ? "YAML syntax error: " : "") + error.Message));
        }

        return document.HasSyntaxError || document.Root is null ? null : new Converter(file).Convert(document.Root);
    }

    internal static string KindName(TemplateNode node) => node switch
    {
        TemplateMapping => "mapping",
        TemplateSequence => "sequence",
        _ => "scalar",
    };

    /// <summary>One template node per YAML node: a node an alias shares stays shared (the layer bounds its expansion).</summary>
    private sealed class Converter(string file)
    {
        private readonly Dictionary<YamlNode, TemplateNode> _converted = new(ReferenceEqualityComparer.Instance);

        public TemplateNode Convert(YamlNode node)
        {
            if (_converted.TryGetValue(node, out var done))
            {
                return done;
            }

            TemplateNode result = node switch
            {
                YamlScalar s => Scalar(s),
                YamlSequence seq => new TemplateSequence([.. seq.Items.Select(Convert)], At(seq.Start)),
                YamlMapping map => new TemplateMapping([.. map.Entries.Select(e => new KeyValuePair<TemplateScalar, TemplateNode>(Scalar(e.Key), Convert(e.Value)))], At(map.Start)),
                _ => throw new ArgumentOutOfRangeException(nameof(node), node.GetType().Name, "not a YAML node kind"),
            };
            _converted[node] = result;
            return result;
        }

        private TemplateScalar Scalar(YamlScalar s) => new(s.Value, s.IsPlain, At(s.Start));

        private SourceSpan At(YamlMark mark) => new(file, mark.Line, mark.Column);
    }
}
