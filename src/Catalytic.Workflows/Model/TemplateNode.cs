using System.Collections.Immutable;

namespace Catalytic.Workflows.Model;

/// <summary>
/// A raw YAML value kept as written, for the places GitHub evaluates lazily at run time
/// (`with`, `env`, `matrix`, `outputs`, `services`, …). Scalars may contain `${{ }}` templates;
/// the runner evaluates them against the contexts of the moment.
/// </summary>
public abstract record TemplateNode(SourceSpan Span)
{
    /// <summary>Every scalar in a value position (not mapping keys), depth first in source order.</summary>
    public IEnumerable<TemplateScalar> Scalars()
    {
        var pending = new Stack<TemplateNode>();
        pending.Push(this);
        while (pending.TryPop(out var node))
        {
            switch (node)
            {
                case TemplateScalar s:
                    yield return s;
                    break;
                case TemplateSequence seq:
                    for (var i = seq.Items.Length - 1; i >= 0; i--)
                    {
                        pending.Push(seq.Items[i]);
                    }

                    break;
                case TemplateMapping map:
                    for (var i = map.Entries.Length - 1; i >= 0; i--)
                    {
                        pending.Push(map.Entries[i].Value);
                    }

                    break;
            }
        }
    }
}

/// <summary>A scalar as written. <see cref="IsPlain"/> is false for quoted and block scalars,
/// so `true`/`1`/`null` written plainly become booleans, numbers and null when converted.</summary>
public sealed record TemplateScalar(string Value, bool IsPlain, SourceSpan Span) : TemplateNode(Span);

public sealed record TemplateSequence(ImmutableArray<TemplateNode> Items, SourceSpan Span) : TemplateNode(Span);

/// <summary>A mapping in source order; keys are scalars (their own span is on the key node).</summary>
public sealed record TemplateMapping(ImmutableArray<KeyValuePair<TemplateScalar, TemplateNode>> Entries, SourceSpan Span) : TemplateNode(Span)
{
    public TemplateNode? this[string key] => Entries.FirstOrDefault(e => e.Key.Value == key).Value;
}
