using System.Collections.Immutable;

namespace Catalytic.Platform.Yaml;

/// <summary>Where a node or an error stands in its file: 1-based line and column.</summary>
public readonly record struct YamlMark(int Line, int Column)
{
    /// <summary>The start of a file, where errors about a whole file are reported.</summary>
    public static YamlMark FileStart { get; } = new(1, 1);

    /// <inheritdoc/>
    public override string ToString() => $"{Line}:{Column}";
}

/// <summary>
/// One node of a YAML document as written, with its position. Immutable; a node an alias names is shared, not copied
/// (so comparing nodes is by reference). Mapping keys are always scalars: the reader reports any other key.
/// </summary>
public abstract class YamlNode
{
    private protected YamlNode(YamlMark start, long size)
    {
        Start = start;
        Size = size;
    }

    /// <summary>Where the node starts (for a scalar: its first character or quote; for a collection: its first entry or bracket).</summary>
    public YamlMark Start { get; }

    /// <summary>"scalar", "sequence" or "mapping", for messages.</summary>
    public abstract string KindName { get; }

    /// <summary>The nodes a walk of this tree visits, aliases expanded: what the reader bounds against alias bombs.</summary>
    internal long Size { get; }
}

/// <summary>
/// A scalar as written. <see cref="IsPlain"/> is false for quoted and block scalars, so a reader can tell <c>true</c>,
/// <c>1</c> or <c>null</c> written plainly (YAML's boolean, number, null) from the same text quoted (a string).
/// </summary>
public sealed class YamlScalar(string value, bool isPlain, YamlMark start) : YamlNode(start, 1)
{
    /// <summary>The text, with quotes and escapes resolved.</summary>
    public string Value { get; } = value;

    /// <summary>True when written without quotes and not as a block scalar.</summary>
    public bool IsPlain { get; } = isPlain;

    /// <summary>YAML's null: an empty plain scalar, <c>~</c> or <c>null</c>.</summary>
    public bool IsNull => IsPlain && Value is "" or "~" or "null" or "Null" or "NULL";

    /// <inheritdoc/>
    public override string KindName => "scalar";

    /// <inheritdoc/>
    public override string ToString() => Value;
}

/// <summary>A sequence in source order.</summary>
public sealed class YamlSequence(ImmutableArray<YamlNode> items, YamlMark start) : YamlNode(start, 1 + items.Sum(i => i.Size))
{
    /// <summary>The items.</summary>
    public ImmutableArray<YamlNode> Items { get; } = items;

    /// <inheritdoc/>
    public override string KindName => "sequence";
}

/// <summary>A mapping in source order; its keys are distinct under the comparer the document was read with.</summary>
public sealed class YamlMapping(ImmutableArray<KeyValuePair<YamlScalar, YamlNode>> entries, YamlMark start)
    : YamlNode(start, 1 + entries.Sum(e => 1 + e.Value.Size))
{
    /// <summary>The entries, keys with their values.</summary>
    public ImmutableArray<KeyValuePair<YamlScalar, YamlNode>> Entries { get; } = entries;

    /// <inheritdoc/>
    public override string KindName => "mapping";

    /// <summary>The value of <paramref name="key"/> (compared ordinally), or null.</summary>
    public YamlNode? this[string key] => Entry(key)?.Value;

    /// <summary>The entry of <paramref name="key"/> (compared ordinally), or null: for errors that point at the key.</summary>
    public KeyValuePair<YamlScalar, YamlNode>? Entry(string key)
    {
        foreach (var entry in Entries)
        {
            if (entry.Key.Value == key)
            {
                return entry;
            }
        }

        return null;
    }
}
