using System.Text;

namespace Catalytic.Runner.Masking;

/// <summary>
/// Replaces registered secret values with <c>***</c>. Thread-safe: values may be added while other
/// threads mask (a step's <c>::add-mask::</c> while a sibling job writes output). The matcher is an
/// Aho-Corasick automaton rebuilt on add and swapped atomically, so masking a line is one pass over it
/// however many secrets are registered.
/// </summary>
public sealed class SecretMasker
{
    public const string Mask = "***";

    private readonly object _gate = new();
    private readonly HashSet<string> _values = new(StringComparer.Ordinal);
    private volatile Automaton? _automaton;

    /// <summary>The number of distinct strings being masked (including derived encodings).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _values.Count;
            }
        }
    }

    /// <summary>
    /// Registers a secret. As GitHub's runner does, a multi-line value is also registered line by line
    /// (output is masked a line at a time), and its JSON-escaped form is registered so a secret inside
    /// <c>toJSON(...)</c> output stays hidden. Blank values are ignored.
    /// </summary>
    public void Add(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return;
        }

        lock (_gate)
        {
            var changed = false;
            foreach (var candidate in Derive(value))
            {
                if (!string.IsNullOrWhiteSpace(candidate) && _values.Add(candidate))
                {
                    changed = true;
                }
            }

            if (changed)
            {
                _automaton = new Automaton(_values);
            }
        }
    }

    /// <summary>Returns <paramref name="text"/> with every registered value replaced by <c>***</c>.</summary>
    public string Apply(string text)
    {
        var automaton = _automaton;
        if (automaton is null || string.IsNullOrEmpty(text))
        {
            return text;
        }

        return automaton.Replace(text);
    }

    private static IEnumerable<string> Derive(string value)
    {
        yield return value;
        if (value.Contains('\n', StringComparison.Ordinal) || value.Contains('\r', StringComparison.Ordinal))
        {
            foreach (var line in value.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries))
            {
                yield return line.Trim();
            }
        }

        var json = System.Text.Json.JsonEncodedText.Encode(value, System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping).Value;
        if (json != value)
        {
            yield return json;
        }
    }

    /// <summary>An immutable Aho-Corasick automaton over UTF-16 chars.</summary>
    private sealed class Automaton
    {
        private readonly List<Dictionary<char, int>> _next = [];
        private readonly List<int> _fail = [];

        // Length of the longest pattern ending at this state (via the output links), 0 when none.
        private readonly List<int> _match = [];

        public Automaton(IEnumerable<string> patterns)
        {
            NewState();
            foreach (var p in patterns)
            {
                var s = 0;
                foreach (var c in p)
                {
                    if (!_next[s].TryGetValue(c, out var t))
                    {
                        t = NewState();
                        _next[s][c] = t;
                    }

                    s = t;
                }

                _match[s] = Math.Max(_match[s], p.Length);
            }

            var queue = new Queue<int>();
            foreach (var t in _next[0].Values)
            {
                _fail[t] = 0;
                queue.Enqueue(t);
            }

            while (queue.Count > 0)
            {
                var s = queue.Dequeue();
                foreach (var (c, t) in _next[s])
                {
                    var f = _fail[s];
                    while (f != 0 && !_next[f].ContainsKey(c))
                    {
                        f = _fail[f];
                    }

                    _fail[t] = _next[f].TryGetValue(c, out var ft) && ft != t ? ft : 0;
                    _match[t] = Math.Max(_match[t], _match[_fail[t]]);
                    queue.Enqueue(t);
                }
            }
        }

        private int NewState()
        {
            _next.Add([]);
            _fail.Add(0);
            _match.Add(0);
            return _next.Count - 1;
        }

        public string Replace(string text)
        {
            // Collect [start, end) ranges of matches, merge overlaps, then rebuild once.
            List<(int Start, int End)>? ranges = null;
            var s = 0;
            for (var i = 0; i < text.Length; i++)
            {
                var c = text[i];
                while (s != 0 && !_next[s].ContainsKey(c))
                {
                    s = _fail[s];
                }

                s = _next[s].TryGetValue(c, out var t) ? t : 0;
                if (_match[s] > 0)
                {
                    ranges ??= [];
                    var start = i + 1 - _match[s];
                    while (ranges.Count > 0 && start <= ranges[^1].End)
                    {
                        start = Math.Min(start, ranges[^1].Start);
                        ranges.RemoveAt(ranges.Count - 1);
                    }

                    ranges.Add((start, i + 1));
                }
            }

            if (ranges is null)
            {
                return text;
            }

            var sb = new StringBuilder(text.Length);
            var pos = 0;
            foreach (var (start, end) in ranges)
            {
                sb.Append(text, pos, start - pos).Append(Mask);
                pos = end;
            }

            sb.Append(text, pos, text.Length - pos);
            return sb.ToString();
        }
    }
}
