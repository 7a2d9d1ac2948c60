namespace Catalytic.Workflows.Expressions.Syntax;

internal enum TokenKind
{
    StartGroup,
    StartParameters,
    StartIndex,
    EndParen,
    EndIndex,
    Separator,
    Dereference,
    Wildcard,
    Not,
    Equal,
    NotEqual,
    LessThan,
    LessThanOrEqual,
    GreaterThan,
    GreaterThanOrEqual,
    And,
    Or,
    Null,
    Boolean,
    Number,
    String,
    PropertyName,
    NamedValue,
    Function,
    Unexpected,
    End,
}

/// <summary>A token: its kind, where it stands in the expression, and the literal value for literals.</summary>
internal readonly record struct Token(TokenKind Kind, int Offset, int Length, ExpressionValue Value)
{
    public string Raw(string expression) => expression.Substring(Offset, Length);

    public bool IsOperator => Kind is >= TokenKind.Not and <= TokenKind.Or;
}
