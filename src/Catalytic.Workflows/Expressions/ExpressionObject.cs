using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Catalytic.Workflows.Expressions;

/// <summary>
/// An immutable object: keys are case-insensitive (ordinal) and keep their insertion order, which is the
/// order <c>toJSON</c> and <c>*</c> filters see. Equality is by reference, as in GitHub.
/// </summary>
public sealed class ExpressionObject : IReadOnlyList<KeyValuePair<string, ExpressionValue>>
{
    // Small objects (most contexts) are scanned linearly; a dictionary index is built past this size.
    private const int IndexThreshold = 8;

    private readonly KeyValuePair<string, ExpressionValue>[] _entries;
    private readonly Dictionary<string, int>? _index;

    private ExpressionObject(KeyValuePair<string, ExpressionValue>[] entries, Dictionary<string, int>? index)
    {
        _entries = entries;
        _index = index;
    }

    public static ExpressionObject Empty { get; } = new([], null);

    public int Count => _entries.Length;

    public KeyValuePair<string, ExpressionValue> this[int index] => _entries[index];

    /// <summary>The value of <paramref name="key"/> (case-insensitive), or <see cref="ExpressionValue.Null"/>.</summary>
    public ExpressionValue this[string key] => TryGetValue(key, out var value) ? value : default;

    public IEnumerable<string> Keys => _entries.Select(e => e.Key);

    public IEnumerable<ExpressionValue> Values => _entries.Select(e => e.Value);

    public bool ContainsKey(string key) => IndexOf(key) >= 0;

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out ExpressionValue value)
    {
        var i = IndexOf(key);
        if (i < 0)
        {
            value = default;
            return false;
        }

        value = _entries[i].Value;
        return true;
    }

    /// <summary>
    /// Builds an object from entries in order. A key repeated in another case replaces the earlier value in
    /// its original position.
    /// </summary>
    public static ExpressionObject Create(IEnumerable<KeyValuePair<string, ExpressionValue>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var builder = new Builder();
        foreach (var e in entries)
        {
            builder.Set(e.Key, e.Value);
        }

        return builder.Build();
    }

    /// <summary>A copy with <paramref name="key"/> set (replaced in place when present, appended otherwise).</summary>
    public ExpressionObject With(string key, ExpressionValue value)
    {
        var builder = new Builder(this);
        builder.Set(key, value);
        return builder.Build();
    }

    public IEnumerator<KeyValuePair<string, ExpressionValue>> GetEnumerator() =>
        ((IEnumerable<KeyValuePair<string, ExpressionValue>>)_entries).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => _entries.GetEnumerator();

    internal ReadOnlySpan<KeyValuePair<string, ExpressionValue>> AsSpan() => _entries;

    private int IndexOf(string key)
    {
        if (_index is not null)
        {
            return _index.TryGetValue(key, out var i) ? i : -1;
        }

        for (var i = 0; i < _entries.Length; i++)
        {
            if (string.Equals(_entries[i].Key, key, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Collects entries for an <see cref="ExpressionObject"/>; not thread-safe, use once.</summary>
    public sealed class Builder
    {
        private readonly List<KeyValuePair<string, ExpressionValue>> _entries;
        private readonly Dictionary<string, int> _positions = new(StringComparer.OrdinalIgnoreCase);

        public Builder()
        {
            _entries = [];
        }

        public Builder(ExpressionObject start)
        {
            ArgumentNullException.ThrowIfNull(start);
            _entries = new List<KeyValuePair<string, ExpressionValue>>(start._entries);
            for (var i = 0; i < _entries.Count; i++)
            {
                _positions[_entries[i].Key] = i;
            }
        }

        public int Count => _entries.Count;

        /// <summary>Sets a key; a key already present (in any case) keeps its position and spelling.</summary>
        public Builder Set(string key, ExpressionValue value)
        {
            ArgumentNullException.ThrowIfNull(key);
            if (_positions.TryGetValue(key, out var i))
            {
                _entries[i] = new(_entries[i].Key, value);
            }
            else
            {
                _positions[key] = _entries.Count;
                _entries.Add(new(key, value));
            }

            return this;
        }

        public ExpressionObject Build()
        {
            // Always a new instance: objects compare by reference, and two objects built apart are different.
            var entries = _entries.ToArray();
            Dictionary<string, int>? index = null;
            if (entries.Length > IndexThreshold)
            {
                index = new Dictionary<string, int>(_positions, StringComparer.OrdinalIgnoreCase);
            }

            return new ExpressionObject(entries, index);
        }
    }
}
