using Catalytic.Workflows.Expressions.Evaluation;

namespace Catalytic.Workflows.Expressions.Syntax;

/// <summary>A function call as written: name, offset of the name, number of arguments, offset of its ')'.</summary>
internal readonly record struct FunctionCall(string Name, int Offset, int ArgumentCount, int CloseOffset, FunctionInfo? Function);

/// <summary>
/// Recursive-descent parser with GitHub's precedence: <c>( ) [ ] .</c> bind tightest, then <c>!</c>, then
/// <c>&lt; &lt;= &gt; &gt;=</c>, then <c>== !=</c>, then <c>&amp;&amp;</c>, then <c>||</c>; binary operators are
/// left-associative. Names are recorded rather than checked so that a parsed tree can be cached once and
/// validated against different sets of available contexts (the error that comes first in the text still wins).
/// </summary>
internal sealed class Parser
{
    public const int MaxDepth = 50;
    public const int MaxLength = 21000;

    // Parentheses do not add tree depth, so GitHub accepts deeper nesting than MaxDepth; this bound only keeps
    // pathological input from exhausting the stack.
    private const int MaxNesting = 400;

    private readonly string _text;
    private readonly Lexer _lexer;
    private readonly List<ExpressionReference> _namedValues = [];
    private readonly List<FunctionCall> _functions = [];
    private Token _current;
    private Token _previous;
    private int _nesting;

    private Parser(string text)
    {
        _text = text;
        _lexer = new Lexer(text);
    }

    public static ParsedExpression Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new Parser(text);
        return parser.Run();
    }

    private ParsedExpression Run()
    {
        if (_text.Length > MaxLength)
        {
            var lengthError = new ExpressionError(ExpressionErrorKind.Syntax, $"Exceeded max expression length {MaxLength}", _text, null);
            return new ParsedExpression(_text, null, lengthError, -1, [], []);
        }

        Node? root = null;
        ExpressionError? error = null;
        var errorAt = -1;
        try
        {
            Advance();
            if (_current.Kind != TokenKind.End)
            {
                root = ParseOr();
                if (_current.Kind != TokenKind.End)
                {
                    throw Unexpected();
                }

                if (root.Depth > MaxDepth)
                {
                    error = DepthError();
                    errorAt = int.MaxValue;
                    root = null;
                }
            }
        }
        catch (SyntaxErrorSignal signal)
        {
            root = null;
            error = signal.Error;
            errorAt = signal.DetectedAt;
        }

        return new ParsedExpression(_text, root, error, errorAt, [.. _namedValues], [.. _functions]);
    }

    private ExpressionError DepthError() =>
        new(ExpressionErrorKind.Syntax, $"Exceeded max expression depth {MaxDepth}", _text, null);

    private void Advance()
    {
        _previous = _current;
        _current = _lexer.Next();
        if (_current.Kind == TokenKind.Unexpected)
        {
            throw Unexpected();
        }
    }

    private SyntaxErrorSignal Unexpected()
    {
        if (_current.Kind == TokenKind.End)
        {
            var reason = $"Unexpected end of expression: '{_previous.Raw(_text)}'";
            return new SyntaxErrorSignal(new ExpressionError(ExpressionErrorKind.Syntax, reason, _text, _previous.Offset), _text.Length);
        }

        var symbol = $"Unexpected symbol: '{_current.Raw(_text)}'";
        return new SyntaxErrorSignal(new ExpressionError(ExpressionErrorKind.Syntax, symbol, _text, _current.Offset), _current.Offset);
    }

    private void Expect(TokenKind kind)
    {
        if (_current.Kind != kind)
        {
            throw Unexpected();
        }

        Advance();
    }

    private Node ParseOr()
    {
        if (++_nesting > MaxNesting)
        {
            throw new SyntaxErrorSignal(DepthError(), _current.Offset);
        }

        var first = ParseAnd();
        if (_current.Kind != TokenKind.Or)
        {
            _nesting--;
            return first;
        }

        var operands = new List<Node>();
        AddFlattened(operands, first, isAnd: false);
        while (_current.Kind == TokenKind.Or)
        {
            Advance();
            AddFlattened(operands, ParseAnd(), isAnd: false);
        }

        _nesting--;
        return new LogicalNode(first.Offset, false, [.. operands]);
    }

    private Node ParseAnd()
    {
        var first = ParseEquality();
        if (_current.Kind != TokenKind.And)
        {
            return first;
        }

        var operands = new List<Node>();
        AddFlattened(operands, first, isAnd: true);
        while (_current.Kind == TokenKind.And)
        {
            Advance();
            AddFlattened(operands, ParseEquality(), isAnd: true);
        }

        return new LogicalNode(first.Offset, true, [.. operands]);
    }

    // GitHub flattens nested && (and nested ||) into one node, which is what keeps long chains within max depth.
    private static void AddFlattened(List<Node> operands, Node node, bool isAnd)
    {
        if (node is LogicalNode logical && logical.IsAnd == isAnd)
        {
            operands.AddRange(logical.Operands);
        }
        else
        {
            operands.Add(node);
        }
    }

    private Node ParseEquality()
    {
        var left = ParseComparison();
        while (_current.Kind is TokenKind.Equal or TokenKind.NotEqual)
        {
            var op = _current.Kind;
            Advance();
            left = new CompareNode(left.Offset, op, left, ParseComparison());
        }

        return left;
    }

    private Node ParseComparison()
    {
        var left = ParseUnary();
        while (_current.Kind is TokenKind.LessThan or TokenKind.LessThanOrEqual or TokenKind.GreaterThan or TokenKind.GreaterThanOrEqual)
        {
            var op = _current.Kind;
            Advance();
            left = new CompareNode(left.Offset, op, left, ParseUnary());
        }

        return left;
    }

    private Node ParseUnary()
    {
        if (_current.Kind != TokenKind.Not)
        {
            return ParsePrimary();
        }

        var offset = _current.Offset;
        Advance();
        if (++_nesting > MaxNesting)
        {
            throw new SyntaxErrorSignal(DepthError(), _current.Offset);
        }

        var operand = ParseUnary();
        _nesting--;
        return new NotNode(offset, operand);
    }

    private Node ParsePrimary()
    {
        var token = _current;
        switch (token.Kind)
        {
            case TokenKind.Null:
            case TokenKind.Boolean:
            case TokenKind.Number:
            case TokenKind.String:
                Advance();
                return new LiteralNode(token.Offset, token.Value);
            case TokenKind.NamedValue:
                var name = token.Raw(_text);
                _namedValues.Add(new ExpressionReference(name, token.Offset));
                Advance();
                return ParsePostfix(new NamedValueNode(token.Offset, name));
            case TokenKind.Function:
                return ParsePostfix(ParseFunction());
            case TokenKind.StartGroup:
                Advance();
                var inner = ParseOr();
                Expect(TokenKind.EndParen);
                return ParsePostfix(inner);
            default:
                throw Unexpected();
        }
    }

    private FunctionNode ParseFunction()
    {
        var nameToken = _current;
        var name = nameToken.Raw(_text);
        var function = FunctionInfo.Find(name);
        Advance();
        Expect(TokenKind.StartParameters);
        var arguments = new List<Node>();
        if (_current.Kind != TokenKind.EndParen)
        {
            while (true)
            {
                arguments.Add(ParseOr());
                if (_current.Kind == TokenKind.Separator)
                {
                    Advance();
                    continue;
                }

                if (_current.Kind != TokenKind.EndParen)
                {
                    throw Unexpected();
                }

                break;
            }
        }

        _functions.Add(new FunctionCall(name, nameToken.Offset, arguments.Count, _current.Offset, function));
        Advance();
        return new FunctionNode(nameToken.Offset, name, function, [.. arguments]);
    }

    private Node ParsePostfix(Node node)
    {
        while (true)
        {
            if (_current.Kind == TokenKind.Dereference)
            {
                Advance();
                if (_current.Kind == TokenKind.PropertyName)
                {
                    var key = new LiteralNode(_current.Offset, ExpressionValue.FromString(_current.Raw(_text)));
                    Advance();
                    node = new IndexNode(node.Offset, node, key);
                }
                else if (_current.Kind == TokenKind.Wildcard)
                {
                    Advance();
                    node = new IndexNode(node.Offset, node, null);
                }
                else
                {
                    throw Unexpected();
                }
            }
            else if (_current.Kind == TokenKind.StartIndex)
            {
                Advance();
                if (_current.Kind == TokenKind.Wildcard)
                {
                    Advance();
                    Expect(TokenKind.EndIndex);
                    node = new IndexNode(node.Offset, node, null);
                }
                else
                {
                    var key = ParseOr();
                    Expect(TokenKind.EndIndex);
                    node = new IndexNode(node.Offset, node, key);
                }
            }
            else
            {
                return node;
            }
        }
    }

    private sealed class SyntaxErrorSignal(ExpressionError error, int detectedAt) : Exception(error.Message)
    {
        public ExpressionError Error { get; } = error;

        public int DetectedAt { get; } = detectedAt;
    }
}
