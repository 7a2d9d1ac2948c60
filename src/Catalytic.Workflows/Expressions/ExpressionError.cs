using Catalytic.Workflows.Model;

namespace Catalytic.Workflows.Expressions;

/// <summary>Where an expression went wrong.</summary>
public enum ExpressionErrorKind
{
    /// <summary>The text is not a valid expression (bad token, bad syntax, too deep, too long).</summary>
    Syntax,

    /// <summary>An unknown or unavailable context or function, or a wrong number of arguments.</summary>
    Reference,

    /// <summary>Valid syntax that failed while evaluating (bad format string, invalid JSON, memory limit...).</summary>
    Evaluation,
}

/// <summary>
/// One expression problem. <see cref="Offset"/> is the 0-based character offset inside <see cref="Expression"/>
/// (GitHub reports it 1-based as "position"); null when the problem has no single place (depth, memory).
/// </summary>
public sealed record ExpressionError(ExpressionErrorKind Kind, string Reason, string Expression, int? Offset)
{
    /// <summary>The 1-based position GitHub prints, or null.</summary>
    public int? Position => Offset + 1;

    /// <summary>GitHub's wording: "Unexpected symbol: '2'. Located at position 3 within expression: 1 2".</summary>
    public string Message => Offset is { } offset
        ? $"{Reason}. Located at position {offset + 1} within expression: {Expression}"
        : Kind == ExpressionErrorKind.Evaluation ? Reason : $"{Reason}. Located within expression: {Expression}";

    public override string ToString() => Message;
}

/// <summary>
/// Thrown by the throwing evaluation APIs. <see cref="Location"/> is set when the expression came from a
/// workflow file (a <see cref="TemplateNode"/>), pointing as closely as the YAML allows at the offending character.
/// </summary>
public sealed class ExpressionException : Exception
{
    public ExpressionException(ExpressionError error, SourceSpan? location = null, int? textOffset = null)
        : base(location is { } l ? $"{l}: {error.Message}" : error.Message)
    {
        Error = error;
        Location = location;
        TextOffset = textOffset ?? error.Offset;
    }

    public ExpressionException()
        : this(new ExpressionError(ExpressionErrorKind.Evaluation, "Expression error", string.Empty, null))
    {
    }

    public ExpressionException(string message)
        : this(new ExpressionError(ExpressionErrorKind.Evaluation, message, string.Empty, null))
    {
    }

    public ExpressionException(string message, Exception innerException)
        : base(message, innerException)
    {
        Error = new ExpressionError(ExpressionErrorKind.Evaluation, message, string.Empty, null);
    }

    public ExpressionError Error { get; }

    public SourceSpan? Location { get; }

    /// <summary>
    /// 0-based offset of the problem in the text that was evaluated: for a template such as
    /// <c>echo ${{ x }}</c> this counts from the start of the template, not of the expression.
    /// </summary>
    public int? TextOffset { get; }

    /// <summary>As a validator diagnostic (needs a location; falls back to <paramref name="fallback"/>).</summary>
    public Diagnostic ToDiagnostic(SourceSpan fallback) => new(Location ?? fallback, Error.Message);
}
