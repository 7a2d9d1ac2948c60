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

    /// <summary>GitHub's template directive: as a mapping key, <c>${{ insert }}</c> merges its value (a mapping) into that mapping.</summary>
    public const string InsertDirective = "insert";

    private ParsedTemplate(string text, TemplateSegment[] segments, ExpressionError? error, bool isSingleExpression, bool isInsert = false)
    {
        Text = text;
        Segments = segments;
        Error = error;
        IsSingleExpression = isSingleExpression;
        IsInsertDirective = isInsert;
    }

    /// <summary>
    /// True when the whole text is <c>${{ insert }}</c>, GitHub's directive (valid only as a mapping key). Its segment holds
    /// no evaluable expression; a directive inside other text or with parameters is an <see cref="Error"/>.
    /// </summary>
    public bool IsInsertDirective { get; }

    public string Text { get; }

    /// <summary>The pieces in order (up to a template error).</summary>
    public IReadOnlyList<TemplateSegment> Segments { get; }

    /// <summary>An unclosed or empty <c>${{ }}</c>; its <see cref="ExpressionError.Offset"/> is in <see cref="Text"/>.</summary>
    public ExpressionError? Error { get; }

    /// <summary>True when the whole text is one <c>${{ expr }}</c>: its value keeps its type.</summary>
    public bool IsSingleExpression { get; }

    /// <summary>True when the text holds at least one <c>${{</c>.</summary>
    public bool HasExpressions => Error is not null || IsInsertDirective || Segments.Any(s => s.IsExpression);

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

            var inner = text[innerStart..innerEnd];
            if (MatchDirective(inner, InsertDirective) is { } parameters)
            {
                var whole = start == 0 && end + 2 == text.Length;
                if (parameters > 0)
                {
                    return new ParsedTemplate(text, [.. segments], DirectiveError(
                        $"Exactly 0 parameter(s) were expected following the directive '{InsertDirective}'. Actual parameter count: {parameters}", text), false);
                }

                if (!whole)
                {
                    return new ParsedTemplate(text, [.. segments], DirectiveError(
                        $"The directive '{InsertDirective}' is not allowed in this context. Directives are not supported for expressions that are embedded within a string. "
                        + "Directives are only supported when the entire value is an expression.", text), false);
                }

                return new ParsedTemplate(text, [new TemplateSegment(innerStart, null, null)], null, false, isInsert: true);
            }

            segments.Add(new TemplateSegment(innerStart, null, ParsedExpression.Parse(inner)));
            i = end + 2;
        }

        var single = segments.Count == 1 && segments[0].IsExpression && text.StartsWith("${{", StringComparison.Ordinal) &&
            text.EndsWith("}}", StringComparison.Ordinal) && FindClose(text, 3) == text.Length - 2;
        return new ParsedTemplate(text, [.. segments], null, single);
    }

    private static ExpressionError DirectiveError(string reason, string text) => new(ExpressionErrorKind.Evaluation, reason, text, null);

    /// <summary>
    /// GitHub's directive match: the expression starts with <paramref name="directive"/> followed by its end or white space
    /// (so <c>insertion</c> is a context name, not the directive). Returns the number of parameters after it, or null.
    /// </summary>
    private static int? MatchDirective(string expression, string directive)
    {
        if (!expression.StartsWith(directive, StringComparison.Ordinal)
            || (expression.Length > directive.Length && !char.IsWhiteSpace(expression[directive.Length])))
        {
            return null;
        }

        // Parameters are separated by white space outside '...' strings and parentheses.
        var count = 0;
        var inParameter = false;
        var inString = false;
        var parens = 0;
        for (var i = directive.Length; i < expression.Length; i++)
        {
            var c = expression[i];
            if (char.IsWhiteSpace(c) && !inString && parens == 0)
            {
                inParameter = false;
                continue;
            }

            if (!inParameter)
            {
                inParameter = true;
                count++;
            }

            if (c == '\'')
            {
                inString = !inString;
            }
            else if (c == '(' && !inString)
            {
                parens++;
            }
            else if (c == ')' && !inString)
            {
                parens--;
            }
        }

        return count;
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
