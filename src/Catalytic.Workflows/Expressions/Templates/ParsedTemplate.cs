using System.Collections.Concurrent;

namespace Catalytic.Workflows.Expressions.Templates;

/// <summary>One piece of a template: literal text, or an expression written as <c>${{ expr }}</c>.</summary>
/// <param name="Offset">0-based offset in the template of the literal text, or of the expression's first character.</param>
public readonly record struct TemplateSegment(int Offset, string? Literal, ParsedExpression? Expression)
{
    public bool IsExpression => Expression is not null;
}

/// <summary>
/// A string split into literal text and <c>${{ }}</c> expressions, as GitHub's template reader does: an expression
/// ends at the first <c>}}</c> outside a '...' string literal; an unclosed or empty <c>${{ }}</c> is an error.
/// Parsed once per distinct string (bounded cache).
/// </summary>
public sealed class ParsedTemplate
{
    private const int CacheCapacity = 8192;
    private static readonly ConcurrentDictionary<string, ParsedTemplate> s_cache = new(StringComparer.Ordinal);
    private static int s_cacheSize;

    private ParsedTemplate(string text, TemplateSegment[] segments, ExpressionError? error, bool isSingleExpression)
    {
        Text = text;
        Segments = segments;
        Error = error;
        IsSingleExpression = isSingleExpression;
    }

    public string Text { get; }

    /// <summary>The pieces in order (up to a template error).</summary>
    public IReadOnlyList<TemplateSegment> Segments { get; }

    /// <summary>An unclosed or empty <c>${{ }}</c>; its <see cref="ExpressionError.Offset"/> is in <see cref="Text"/>.</summary>
    public ExpressionError? Error { get; }

    /// <summary>True when the whole text is one <c>${{ expr }}</c>: its value keeps its type.</summary>
    public bool IsSingleExpression { get; }

    /// <summary>True when the text holds at least one <c>${{</c>.</summary>
    public bool HasExpressions => Error is not null || Segments.Any(s => s.IsExpression);

    /// <summary>True when any expression calls a status function.</summary>
    public bool UsesStatusFunction => Segments.Any(s => s.Expression?.UsesStatusFunction == true);

    /// <summary>True when <paramref name="text"/> contains <c>${{</c>.</summary>
    public static bool ContainsExpression(string? text) => text is not null && text.Contains("${{", StringComparison.Ordinal);

    public static ParsedTemplate Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (s_cache.TryGetValue(text, out var cached))
        {
            return cached;
        }

        var parsed = ParseCore(text);
        // ConcurrentDictionary.Count takes every lock, so the size is tracked separately.
        if (Interlocked.Increment(ref s_cacheSize) > CacheCapacity)
        {
            Interlocked.Exchange(ref s_cacheSize, 0);
            s_cache.Clear();
        }

        s_cache.TryAdd(text, parsed);
        return parsed;
    }

    private static ParsedTemplate ParseCore(string text)
    {
        var segments = new List<TemplateSegment>();
        var i = 0;
        while (i < text.Length)
        {
            var start = text.IndexOf("${{", i, StringComparison.Ordinal);
            if (start < 0)
            {
                segments.Add(new TemplateSegment(i, text[i..], null));
                break;
            }

            if (start > i)
            {
                segments.Add(new TemplateSegment(i, text[i..start], null));
            }

            var end = FindClose(text, start + 3);
            if (end < 0)
            {
                var unclosed = new ExpressionError(
                    ExpressionErrorKind.Syntax,
                    "The expression is not closed. An unescaped ${{ sequence was found, but the closing }} sequence was not found",
                    text,
                    start);
                return new ParsedTemplate(text, [.. segments], unclosed, false);
            }

            var innerStart = start + 3;
            var innerEnd = end;
            while (innerStart < innerEnd && char.IsWhiteSpace(text[innerStart]))
            {
                innerStart++;
            }

            while (innerEnd > innerStart && char.IsWhiteSpace(text[innerEnd - 1]))
            {
                innerEnd--;
            }

            if (innerStart == innerEnd)
            {
                var empty = new ExpressionError(ExpressionErrorKind.Syntax, "An expression was expected", text, start);
                return new ParsedTemplate(text, [.. segments], empty, false);
            }

            segments.Add(new TemplateSegment(innerStart, null, ParsedExpression.Parse(text[innerStart..innerEnd])));
            i = end + 2;
        }

        var single = segments.Count == 1 && segments[0].IsExpression && text.StartsWith("${{", StringComparison.Ordinal) &&
            text.EndsWith("}}", StringComparison.Ordinal) && FindClose(text, 3) == text.Length - 2;
        return new ParsedTemplate(text, [.. segments], null, single);
    }

    // The first "}}" that is not inside a '...' literal ('' inside a literal toggles twice, so it needs no care).
    private static int FindClose(string text, int from)
    {
        var inString = false;
        for (var i = from; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\'')
            {
                inString = !inString;
            }
            else if (!inString && c == '}' && i + 1 < text.Length && text[i + 1] == '}')
            {
                return i;
            }
        }

        return -1;
    }
}
