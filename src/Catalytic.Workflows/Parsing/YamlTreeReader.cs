using System.Collections.Immutable;
using Catalytic.Workflows.Model;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Catalytic.Workflows.Parsing;

/// <summary>
/// Reads YAML text into <see cref="TemplateNode"/>s with the 1-based position of every node.
/// Built on YamlDotNet's event parser rather than its representation model because the latter stops at the
/// first duplicate key, and a validator must report every problem of a file at once.
/// </summary>
internal static class YamlTreeReader
{
    /// <summary>Parses <paramref name="text"/>; on a syntax error returns null and one diagnostic at the offending position.</summary>
    public static TemplateNode? Read(string file, string text, List<Diagnostic> diagnostics)
    {
        var parser = new Parser(new StringReader(text));
        var anchors = new Dictionary<string, TemplateNode>(StringComparer.Ordinal);
        try
        {
            parser.Consume<StreamStart>();
            if (parser.TryConsume<StreamEnd>(out _))
            {
                return null;
            }

            parser.Consume<DocumentStart>();
            var root = ReadNode(file, parser, anchors, diagnostics);
            parser.Consume<DocumentEnd>();
            if (parser.Current is DocumentStart extra)
            {
                diagnostics.Add(new Diagnostic(At(file, extra.Start), "a workflow file holds exactly one YAML document; found a second one"));
            }

            return root;
        }
        catch (YamlException e)
        {
            diagnostics.Add(new Diagnostic(At(file, e.Start), "YAML syntax error: " + Describe(e)));
            return null;
        }
    }

    private static TemplateNode ReadNode(string file, IParser parser, Dictionary<string, TemplateNode> anchors, List<Diagnostic> diagnostics)
    {
        var ev = parser.Current ?? throw new YamlException("unexpected end of input");
        switch (ev)
        {
            case Scalar scalar:
            {
                parser.MoveNext();
                var node = new TemplateScalar(scalar.Value, scalar.Style == ScalarStyle.Plain, At(file, scalar.Start));
                Remember(scalar.Anchor, node, anchors);
                return node;
            }

            case AnchorAlias alias:
            {
                parser.MoveNext();
                if (anchors.TryGetValue(alias.Value.Value, out var target))
                {
                    return target;
                }

                throw new YamlException(alias.Start, alias.End, $"alias '*{alias.Value.Value}' names no anchor defined before it");
            }

            case SequenceStart seq:
            {
                parser.MoveNext();
                var items = ImmutableArray.CreateBuilder<TemplateNode>();
                while (parser.Current is not SequenceEnd)
                {
                    items.Add(ReadNode(file, parser, anchors, diagnostics));
                }

                parser.MoveNext();
                var node = new TemplateSequence(items.ToImmutable(), At(file, seq.Start));
                Remember(seq.Anchor, node, anchors);
                return node;
            }

            case MappingStart map:
            {
                parser.MoveNext();
                var entries = ImmutableArray.CreateBuilder<KeyValuePair<TemplateScalar, TemplateNode>>();
                // GitHub compares keys case-insensitively ("'X' is already defined").
                var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                while (parser.Current is not MappingEnd)
                {
                    var keyNode = ReadNode(file, parser, anchors, diagnostics);
                    var value = ReadNode(file, parser, anchors, diagnostics);
                    if (keyNode is not TemplateScalar key)
                    {
                        diagnostics.Add(new Diagnostic(keyNode.Span, "a mapping key must be a scalar, not a " + KindName(keyNode)));
                        continue;
                    }

                    if (!seen.Add(key.Value))
                    {
                        diagnostics.Add(new Diagnostic(key.Span, $"duplicate key '{key.Value}': it is already defined in this mapping (keys are compared ignoring case)"));
                        continue;
                    }

                    entries.Add(new(key, value));
                }

                parser.MoveNext();
                var node = new TemplateMapping(entries.ToImmutable(), At(file, map.Start));
                Remember(map.Anchor, node, anchors);
                return node;
            }

            default:
                throw new YamlException(ev.Start, ev.End, "unexpected " + ev.GetType().Name);
        }
    }

    private static void Remember(AnchorName anchor, TemplateNode node, Dictionary<string, TemplateNode> anchors)
    {
        if (!anchor.IsEmpty)
        {
            anchors[anchor.Value] = node;
        }
    }

    internal static string KindName(TemplateNode node) => node switch
    {
        TemplateMapping => "mapping",
        TemplateSequence => "sequence",
        _ => "scalar",
    };

    private static SourceSpan At(string file, Mark mark) => new(file, Math.Max(1, (int)mark.Line), Math.Max(1, (int)mark.Column));

    private static string Describe(YamlException e)
    {
        // YamlDotNet prefixes messages with "(Line: 3, Col: 5, Idx: 20) - (…): "; the position is reported separately.
        var message = e.InnerException?.Message ?? e.Message;
        var cut = message.LastIndexOf("): ", StringComparison.Ordinal);
        return (cut >= 0 ? message[(cut + 3)..] : message).Trim();
    }
}
