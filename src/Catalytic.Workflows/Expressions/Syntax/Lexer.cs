namespace Catalytic.Workflows.Expressions.Syntax;

/// <summary>
/// Reads tokens one at a time. Like GitHub's lexer it looks at the previous token to tell a number (<c>.5</c>)
/// from a dereference (<c>a.b</c>) and a property name from a named value, and looks ahead for <c>(</c> to
/// recognise function names.
/// </summary>
internal sealed class Lexer
{
    private readonly string _text;
    private int _index;
    private TokenKind? _last;

    public Lexer(string text)
    {
        _text = text;
    }

    public Token Next()
    {
        while (_index < _text.Length && char.IsWhiteSpace(_text[_index]))
        {
            _index++;
        }

        if (_index >= _text.Length)
        {
            return new Token(TokenKind.End, _text.Length, 0, default);
        }

        var token = Read();
        _last = token.Kind;
        return token;
    }

    private Token Read()
    {
        var start = _index;
        var c = _text[_index];
        switch (c)
        {
            case '(':
                _index++;
                return new Token(_last == TokenKind.Function ? TokenKind.StartParameters : TokenKind.StartGroup, start, 1, default);
            case '[':
                _index++;
                return new Token(TokenKind.StartIndex, start, 1, default);
            case ')':
                _index++;
                return new Token(TokenKind.EndParen, start, 1, default);
            case ']':
                _index++;
                return new Token(TokenKind.EndIndex, start, 1, default);
            case ',':
                _index++;
                return new Token(TokenKind.Separator, start, 1, default);
            case '*':
                _index++;
                return new Token(TokenKind.Wildcard, start, 1, default);
            case '\'':
                return ReadString();
            case '!' or '>' or '<' or '=' or '&' or '|':
                return ReadOperator();
            case '.':
                if (_last is null or TokenKind.Separator or TokenKind.StartGroup or TokenKind.StartParameters or TokenKind.StartIndex ||
                    (_last is { } last && new Token(last, 0, 0, default).IsOperator))
                {
                    return ReadNumber();
                }

                _index++;
                return new Token(TokenKind.Dereference, start, 1, default);
            case '-' or '+':
            case >= '0' and <= '9':
                return ReadNumber();
            default:
                return ReadKeyword();
        }
    }

    private Token ReadNumber()
    {
        var start = _index;
        do
        {
            _index++;
        }
        while (_index < _text.Length && (!IsBoundary(_text[_index]) || _text[_index] == '.'));

        var value = ExpressionValue.ParseNumber(_text.Substring(start, _index - start));
        return double.IsNaN(value)
            ? new Token(TokenKind.Unexpected, start, _index - start, default)
            : new Token(TokenKind.Number, start, _index - start, ExpressionValue.FromNumber(value));
    }

    private Token ReadKeyword()
    {
        var start = _index;
        _index++;
        while (_index < _text.Length && !IsBoundary(_text[_index]))
        {
            _index++;
        }

        var word = _text.AsSpan(start, _index - start);
        if (!IsLegalKeyword(word))
        {
            return new Token(TokenKind.Unexpected, start, word.Length, default);
        }

        if (_last == TokenKind.Dereference)
        {
            return new Token(TokenKind.PropertyName, start, word.Length, default);
        }

        // Literal keywords are case-sensitive in GitHub (TRUE is a named value).
        switch (word)
        {
            case "null":
                return new Token(TokenKind.Null, start, word.Length, default);
            case "true":
                return new Token(TokenKind.Boolean, start, word.Length, ExpressionValue.True);
            case "false":
                return new Token(TokenKind.Boolean, start, word.Length, ExpressionValue.False);
            case "NaN":
                return new Token(TokenKind.Number, start, word.Length, ExpressionValue.FromNumber(double.NaN));
            case "Infinity":
                return new Token(TokenKind.Number, start, word.Length, ExpressionValue.FromNumber(double.PositiveInfinity));
        }

        var look = _index;
        while (look < _text.Length && char.IsWhiteSpace(_text[look]))
        {
            look++;
        }

        var kind = look < _text.Length && _text[look] == '(' ? TokenKind.Function : TokenKind.NamedValue;
        return new Token(kind, start, word.Length, default);
    }

    private Token ReadString()
    {
        var start = _index;
        _index++;
        System.Text.StringBuilder? sb = null;
        var segmentStart = _index;
        while (_index < _text.Length)
        {
            if (_text[_index] == '\'')
            {
                if (_index + 1 < _text.Length && _text[_index + 1] == '\'')
                {
                    // '' is an escaped quote.
                    sb ??= new System.Text.StringBuilder();
                    sb.Append(_text, segmentStart, _index - segmentStart + 1);
                    _index += 2;
                    segmentStart = _index;
                    continue;
                }

                string value;
                if (sb is null)
                {
                    value = _text.Substring(segmentStart, _index - segmentStart);
                }
                else
                {
                    value = sb.Append(_text, segmentStart, _index - segmentStart).ToString();
                }

                _index++;
                return new Token(TokenKind.String, start, _index - start, ExpressionValue.FromString(value));
            }

            _index++;
        }

        return new Token(TokenKind.Unexpected, start, _index - start, default);
    }

    private Token ReadOperator()
    {
        var start = _index;
        var c = _text[_index];
        var next = _index + 1 < _text.Length ? _text[_index + 1] : '\0';
        var kind = (c, next) switch
        {
            ('!', '=') => TokenKind.NotEqual,
            ('>', '=') => TokenKind.GreaterThanOrEqual,
            ('<', '=') => TokenKind.LessThanOrEqual,
            ('=', '=') => TokenKind.Equal,
            ('&', '&') => TokenKind.And,
            ('|', '|') => TokenKind.Or,
            _ => TokenKind.Unexpected,
        };
        if (kind != TokenKind.Unexpected)
        {
            _index += 2;
            return new Token(kind, start, 2, default);
        }

        kind = c switch
        {
            '!' => TokenKind.Not,
            '>' => TokenKind.GreaterThan,
            '<' => TokenKind.LessThan,
            _ => TokenKind.Unexpected,
        };
        _index++;
        if (kind != TokenKind.Unexpected)
        {
            return new Token(kind, start, 1, default);
        }

        while (_index < _text.Length && !IsBoundary(_text[_index]))
        {
            _index++;
        }

        return new Token(TokenKind.Unexpected, start, _index - start, default);
    }

    private static bool IsBoundary(char c) =>
        c is '(' or '[' or ')' or ']' or ',' or '.' or '!' or '>' or '<' or '=' or '&' or '|' || char.IsWhiteSpace(c);

    internal static bool IsLegalKeyword(ReadOnlySpan<char> word)
    {
        if (word.IsEmpty || !(char.IsAsciiLetter(word[0]) || word[0] == '_'))
        {
            return false;
        }

        foreach (var c in word[1..])
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }
}
