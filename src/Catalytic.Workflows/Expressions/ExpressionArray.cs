using System.Collections;

namespace Catalytic.Workflows.Expressions;

/// <summary>An immutable list of expression values. Equality is by reference, as in GitHub.</summary>
public sealed class ExpressionArray : IReadOnlyList<ExpressionValue>
{
    private readonly ExpressionValue[] _items;

    private ExpressionArray(ExpressionValue[] items, bool isFiltered)
    {
        _items = items;
        IsFiltered = isFiltered;
    }

    /// <summary>A shared empty array (note: arrays compare by reference, so this equals only itself).</summary>
    public static ExpressionArray Empty { get; } = new([], false);

    /// <summary>
    /// True for the result of a `*` filter (<c>a.*</c>, <c>a[*]</c>): a further property or index applies to each
    /// element and flattens, as in <c>a.*.b</c>.
    /// </summary>
    internal bool IsFiltered { get; }

    public int Count => _items.Length;

    public ExpressionValue this[int index] => _items[index];

    public static ExpressionArray Create(IEnumerable<ExpressionValue> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        return new ExpressionArray(items.ToArray(), false);
    }

    public static ExpressionArray Create(params ReadOnlySpan<ExpressionValue> items) =>
        new(items.ToArray(), false);

    internal static ExpressionArray CreateOwned(ExpressionValue[] items, bool isFiltered) => new(items, isFiltered);

    public IEnumerator<ExpressionValue> GetEnumerator() => ((IEnumerable<ExpressionValue>)_items).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _items.GetEnumerator();

    internal ReadOnlySpan<ExpressionValue> AsSpan() => _items;
}
