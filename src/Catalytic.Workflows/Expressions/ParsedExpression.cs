using System.Collections.Concurrent;
using Catalytic.Workflows.Expressions.Evaluation;
using Catalytic.Workflows.Expressions.Syntax;

namespace Catalytic.Workflows.Expressions;

/// <summary>A context name or function name as written, with its 0-based offset in the expression.</summary>
public readonly record struct ExpressionReference(string Name, int Offset);

/// <summary>
/// An expression parsed once and reusable from any thread. Parsing checks syntax only; which contexts and
/// functions are available is checked by <see cref="Validate(ExpressionContext)"/> (and before every evaluation),
/// reporting, like GitHub, whichever problem comes first in the text.
/// </summary>
public sealed class ParsedExpression
{
    private const int CacheCapacity = 8192;
    private static readonly ConcurrentDictionary<string, ParsedExpression> s_cache = new(StringComparer.Ordinal);
    private static int s_cacheSize;

    private readonly Node? _root;
    private readonly ExpressionError? _syntaxError;
    private readonly int _syntaxErrorAt;
    private readonly FunctionCall[] _functions;

    internal ParsedExpression(string text, Node? root, ExpressionError? syntaxError, int syntaxErrorAt, ExpressionReference[] namedValues, FunctionCall[] functions)
    {
        Text = text;
        _root = root;
        _syntaxError = syntaxError;
        _syntaxErrorAt = syntaxErrorAt;
        NamedValues = namedValues;
        _functions = functions;
        Functions = [.. functions.Select(f => new ExpressionReference(f.Name, f.Offset))];
        UsesStatusFunction = functions.Any(f => f.Function?.IsStatusFunction == true);
    }

    /// <summary>The expression text as given (without <c>${{ }}</c>).</summary>
    public string Text { get; }

    /// <summary>True when the text holds no tokens; such an expression evaluates to null.</summary>
    public bool IsEmpty => _root is null && _syntaxError is null;

    /// <summary>The syntax error (bad token, unexpected symbol or end, too deep, too long), or null.</summary>
    public ExpressionError? SyntaxError => _syntaxError;

    /// <summary>Every context name referenced, in text order (up to a syntax error).</summary>
    public IReadOnlyList<ExpressionReference> NamedValues { get; }

    /// <summary>Every function called, in text order (up to a syntax error).</summary>
    public IReadOnlyList<ExpressionReference> Functions { get; }

    /// <summary>True when <c>success()</c>, <c>failure()</c>, <c>cancelled()</c> or <c>always()</c> is called.</summary>
    public bool UsesStatusFunction { get; }

    internal Node? Root => _root;

    /// <summary>
    /// Every `context.property` (or `context['property']`) with a literal property name, e.g. `needs.build` in
    /// `needs.build.outputs.x`; <see cref="ExpressionReference.Offset"/> is the property's. For cross-reference checks.
    /// </summary>
    internal IEnumerable<(string Context, ExpressionReference Property)> PropertyReferences()
    {
        if (_root is null)
        {
            yield break;
        }

        foreach (var node in _root.DescendantsAndSelf())
        {
            if (node is IndexNode { Target: NamedValueNode context, Key: LiteralNode literal } && literal.Value.Kind == ExpressionValueKind.String)
            {
                yield return (context.Name, new ExpressionReference(literal.Value.ToString(), literal.Offset));
            }
        }
    }

    /// <summary>Parses <paramref name="text"/>, reusing an earlier parse of the same text (bounded cache).</summary>
    public static ParsedExpression Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (s_cache.TryGetValue(text, out var cached))
        {
            return cached;
        }

        var parsed = Parser.Parse(text);
        // ConcurrentDictionary.Count takes every lock, so the size is tracked separately.
        if (Interlocked.Increment(ref s_cacheSize) > CacheCapacity)
        {
            Interlocked.Exchange(ref s_cacheSize, 0);
            // A crude bound: a workflow run uses far fewer distinct expressions than this.
            s_cache.Clear();
        }

        s_cache.TryAdd(text, parsed);
        return parsed;
    }

    /// <summary>The first problem given the contexts and host functions <paramref name="context"/> offers, or null.</summary>
    public ExpressionError? Validate(ExpressionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Validate(context.Contains, f => context.IsFunctionAvailable(f.Name));
    }

    /// <summary>
    /// The first problem in text order: a syntax error, a context for which <paramref name="isContextAvailable"/>
    /// is false, an unknown function or one for which <paramref name="isFunctionAvailable"/> is false, or a wrong
    /// number of arguments; null when the expression is fine.
    /// </summary>
    public ExpressionError? Validate(Func<string, bool> isContextAvailable, Func<FunctionInfo, bool> isFunctionAvailable)
    {
        ArgumentNullException.ThrowIfNull(isContextAvailable);
        ArgumentNullException.ThrowIfNull(isFunctionAvailable);
        var best = _syntaxError;
        var bestAt = _syntaxError is null ? int.MaxValue : _syntaxErrorAt;

        foreach (var name in NamedValues)
        {
            if (name.Offset >= bestAt)
            {
                break;
            }

            if (!isContextAvailable(name.Name))
            {
                best = new ExpressionError(ExpressionErrorKind.Reference, $"Unrecognized named-value: '{name.Name}'", Text, name.Offset);
                bestAt = name.Offset;
                break;
            }
        }

        foreach (var call in _functions)
        {
            if (call.Offset >= bestAt)
            {
                continue;
            }

            if (call.Function is null || !isFunctionAvailable(call.Function))
            {
                best = new ExpressionError(ExpressionErrorKind.Reference, $"Unrecognized function: '{call.Name}'", Text, call.Offset);
                bestAt = call.Offset;
            }
            else if (call.CloseOffset < bestAt && call.Function.CheckArgumentCount(call.ArgumentCount) is { } arity)
            {
                best = new ExpressionError(ExpressionErrorKind.Reference, arity, Text, call.Offset);
                bestAt = call.CloseOffset;
            }
        }

        return best;
    }

    /// <summary>Validates against <paramref name="context"/> and evaluates. Throws <see cref="ExpressionException"/>.</summary>
    public ExpressionValue Evaluate(ExpressionContext context)
    {
        if (Validate(context) is { } error)
        {
            throw new ExpressionException(error);
        }

        return EvaluateValidated(context);
    }

    /// <summary>Like <see cref="Evaluate"/> but reports failure as a value.</summary>
    public bool TryEvaluate(ExpressionContext context, out ExpressionValue value, out ExpressionError? error)
    {
        try
        {
            value = Evaluate(context);
            error = null;
            return true;
        }
        catch (ExpressionException e)
        {
            value = default;
            error = e.Error;
            return false;
        }
    }

    internal ExpressionValue EvaluateValidated(ExpressionContext context) =>
        _root is null ? default : _root.Evaluate(new EvaluationState(context, Text));
}

/// <summary>Entry points for evaluating one expression (the text inside <c>${{ }}</c>).</summary>
public static class ExpressionEvaluator
{
    /// <summary>Parses (cached), validates and evaluates. Throws <see cref="ExpressionException"/>.</summary>
    public static ExpressionValue Evaluate(string expression, ExpressionContext context) =>
        ParsedExpression.Parse(expression).Evaluate(context);

    /// <summary>Like <see cref="Evaluate"/> but reports failure as a value.</summary>
    public static bool TryEvaluate(string expression, ExpressionContext context, out ExpressionValue value, out ExpressionError? error) =>
        ParsedExpression.Parse(expression).TryEvaluate(context, out value, out error);
}
