using System.Globalization;

namespace Catalytic.Workflows.Expressions;

/// <summary>The kinds of value the GitHub Actions expression language knows.</summary>
public enum ExpressionValueKind
{
    Null = 0,
    Boolean,
    Number,
    String,
    Array,
    Object,
}

/// <summary>
/// An immutable expression value: null, boolean, number (double), string, array or object.
/// A struct so that numbers and booleans cost no allocation; arrays and objects are shared by reference,
/// which is also how GitHub compares them (<c>a == a</c> is true, two equal-looking objects are not).
/// </summary>
public readonly partial struct ExpressionValue : IEquatable<ExpressionValue>
{
    private readonly double _number;
    private readonly object? _ref;

    private ExpressionValue(ExpressionValueKind kind, double number, object? reference)
    {
        Kind = kind;
        _number = number;
        _ref = reference;
    }

    /// <summary>The kind; <c>default(ExpressionValue)</c> is <see cref="ExpressionValueKind.Null"/>.</summary>
    public ExpressionValueKind Kind { get; }

    public static ExpressionValue Null => default;

    public static ExpressionValue True { get; } = new(ExpressionValueKind.Boolean, 1, null);

    public static ExpressionValue False { get; } = new(ExpressionValueKind.Boolean, 0, null);

    public static ExpressionValue EmptyString { get; } = new(ExpressionValueKind.String, 0, string.Empty);

    public bool IsNull => Kind == ExpressionValueKind.Null;

    /// <summary>Null, boolean, number and string are primitives; arrays and objects are not.</summary>
    public bool IsPrimitive => Kind <= ExpressionValueKind.String;

    public static ExpressionValue FromBoolean(bool value) => value ? True : False;

    public static ExpressionValue FromNumber(double value) => new(ExpressionValueKind.Number, value, null);

    /// <summary>A string value; a null reference becomes <see cref="Null"/>.</summary>
    public static ExpressionValue FromString(string? value) =>
        value is null ? default : value.Length == 0 ? EmptyString : new(ExpressionValueKind.String, 0, value);

    public static ExpressionValue FromArray(ExpressionArray value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new(ExpressionValueKind.Array, 0, value);
    }

    public static ExpressionValue FromObject(ExpressionObject value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new(ExpressionValueKind.Object, 0, value);
    }

    public static implicit operator ExpressionValue(bool value) => FromBoolean(value);

    public static implicit operator ExpressionValue(double value) => FromNumber(value);

    public static implicit operator ExpressionValue(string? value) => FromString(value);

    public static implicit operator ExpressionValue(ExpressionArray value) => FromArray(value);

    public static implicit operator ExpressionValue(ExpressionObject value) => FromObject(value);

    /// <summary>The boolean; throws when the value is not a boolean.</summary>
    public bool AsBoolean => Kind == ExpressionValueKind.Boolean ? _number != 0 : throw WrongKind(ExpressionValueKind.Boolean);

    /// <summary>The number; throws when the value is not a number.</summary>
    public double AsNumber => Kind == ExpressionValueKind.Number ? _number : throw WrongKind(ExpressionValueKind.Number);

    /// <summary>The string; throws when the value is not a string.</summary>
    public string AsString => Kind == ExpressionValueKind.String ? (string)_ref! : throw WrongKind(ExpressionValueKind.String);

    /// <summary>The array; throws when the value is not an array.</summary>
    public ExpressionArray AsArray => Kind == ExpressionValueKind.Array ? (ExpressionArray)_ref! : throw WrongKind(ExpressionValueKind.Array);

    /// <summary>The object; throws when the value is not an object.</summary>
    public ExpressionObject AsObject => Kind == ExpressionValueKind.Object ? (ExpressionObject)_ref! : throw WrongKind(ExpressionValueKind.Object);

    public bool TryGetString(out string value)
    {
        value = Kind == ExpressionValueKind.String ? (string)_ref! : string.Empty;
        return Kind == ExpressionValueKind.String;
    }

    public bool TryGetArray(out ExpressionArray value)
    {
        value = (_ref as ExpressionArray)!;
        return Kind == ExpressionValueKind.Array;
    }

    public bool TryGetObject(out ExpressionObject value)
    {
        value = (_ref as ExpressionObject)!;
        return Kind == ExpressionValueKind.Object;
    }

    /// <summary>
    /// Truthiness as GitHub defines it: null, false, 0, -0, NaN and '' are falsy; everything else
    /// (including empty arrays and objects, and the string 'false') is truthy.
    /// </summary>
    public bool IsTruthy => Kind switch
    {
        ExpressionValueKind.Null => false,
        ExpressionValueKind.Boolean => _number != 0,
        ExpressionValueKind.Number => _number != 0 && !double.IsNaN(_number),
        ExpressionValueKind.String => ((string)_ref!).Length != 0,
        _ => true,
    };

    /// <summary>
    /// Number coercion (JavaScript's Number()): null → 0, true → 1, '' and whitespace → 0,
    /// ' 0x1F ' / '0o17' / '1e3' / 'Infinity' parse, anything else (and arrays/objects) → NaN.
    /// </summary>
    public double ToNumber() => Kind switch
    {
        ExpressionValueKind.Null => 0,
        ExpressionValueKind.Boolean => _number,
        ExpressionValueKind.Number => _number,
        ExpressionValueKind.String => ParseNumber((string)_ref!),
        _ => double.NaN,
    };

    /// <summary>
    /// String coercion as GitHub does it: null → '', booleans 'true'/'false', numbers with up to 15
    /// significant digits and no trailing '.0' (-0 → '0'), arrays → 'Array', objects → 'Object'.
    /// </summary>
    public override string ToString() => Kind switch
    {
        ExpressionValueKind.Null => string.Empty,
        ExpressionValueKind.Boolean => _number != 0 ? "true" : "false",
        ExpressionValueKind.Number => FormatNumber(_number),
        ExpressionValueKind.String => (string)_ref!,
        ExpressionValueKind.Array => "Array",
        _ => "Object",
    };

    /// <summary>Formats a number the way GitHub converts numbers to strings (.NET "G15", invariant; -0 → "0").</summary>
    public static string FormatNumber(double value)
    {
        if (value == 0)
        {
            return "0";
        }

        if (value == Math.Floor(value) && Math.Abs(value) < 1e15)
        {
            return ((long)value).ToString(CultureInfo.InvariantCulture);
        }

        return value.ToString("G15", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Parses a string to a number with GitHub's rules: trimmed; empty → 0; decimal with optional sign,
    /// point and exponent; 0x hex and 0o octal (32-bit); Infinity/-Infinity; anything else → NaN.
    /// </summary>
    public static double ParseNumber(string? text)
    {
        var s = (text ?? string.Empty).AsSpan().Trim();
        if (s.IsEmpty)
        {
            return 0;
        }

        if (IsDecimalLiteral(s) &&
            double.TryParse(s, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        if (s.Length > 2 && s[0] == '0' && s[1] == 'x')
        {
            foreach (var c in s[2..])
            {
                if (!char.IsAsciiHexDigit(c))
                {
                    return double.NaN;
                }
            }

            return int.TryParse(s[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex) ? hex : double.NaN;
        }

        if (s.Length > 2 && s[0] == '0' && s[1] == 'o')
        {
            long octal = 0;
            foreach (var c in s[2..])
            {
                if (c is < '0' or > '7')
                {
                    return double.NaN;
                }

                octal = (octal * 8) + (c - '0');
                if (octal > int.MaxValue)
                {
                    return double.NaN;
                }
            }

            return octal;
        }

        if (s.SequenceEqual("Infinity") || s.SequenceEqual("+Infinity"))
        {
            return double.PositiveInfinity;
        }

        if (s.SequenceEqual("-Infinity"))
        {
            return double.NegativeInfinity;
        }

        return double.NaN;
    }

    // double.TryParse also accepts symbols such as "NaN" or "∞"; only plain decimal literals may reach it.
    private static bool IsDecimalLiteral(ReadOnlySpan<char> s)
    {
        var i = 0;
        if (s[0] is '+' or '-')
        {
            i++;
        }

        var digits = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i]))
        {
            i++;
            digits++;
        }

        if (i < s.Length && s[i] == '.')
        {
            i++;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
                digits++;
            }
        }

        if (digits == 0)
        {
            return false;
        }

        if (i < s.Length && s[i] is 'e' or 'E')
        {
            i++;
            if (i < s.Length && s[i] is '+' or '-')
            {
                i++;
            }

            var exponentDigits = 0;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
                exponentDigits++;
            }

            if (exponentDigits == 0)
            {
                return false;
            }
        }

        return i == s.Length;
    }

    /// <summary>
    /// GitHub's loose equality (JavaScript's abstract equality, except strings compare case-insensitively and
    /// arrays/objects are never coerced): differing kinds are coerced to numbers; NaN equals nothing;
    /// arrays and objects are equal only to themselves.
    /// </summary>
    public static bool LooseEquals(ExpressionValue left, ExpressionValue right)
    {
        Coerce(ref left, ref right);
        if (left.Kind != right.Kind)
        {
            return false;
        }

        return left.Kind switch
        {
            ExpressionValueKind.Null => true,
            ExpressionValueKind.Number => left._number == right._number, // NaN != NaN by IEEE
            ExpressionValueKind.String => string.Equals((string)left._ref!, (string)right._ref!, StringComparison.OrdinalIgnoreCase),
            ExpressionValueKind.Boolean => left._number == right._number,
            _ => ReferenceEquals(left._ref, right._ref),
        };
    }

    /// <summary>Loose <c>left &gt; right</c>: numbers (NaN → false), strings (ordinal, case-insensitive) and booleans.</summary>
    public static bool GreaterThan(ExpressionValue left, ExpressionValue right) => Compare(left, right) is > 0 and not int.MaxValue;

    /// <summary>Loose <c>left &lt; right</c>.</summary>
    public static bool LessThan(ExpressionValue left, ExpressionValue right) => Compare(left, right) < 0;

    /// <summary>Loose <c>left &gt;= right</c> (equal or greater, as GitHub defines it).</summary>
    public static bool GreaterThanOrEqual(ExpressionValue left, ExpressionValue right) => LooseEquals(left, right) || GreaterThan(left, right);

    /// <summary>Loose <c>left &lt;= right</c>.</summary>
    public static bool LessThanOrEqual(ExpressionValue left, ExpressionValue right) => LooseEquals(left, right) || LessThan(left, right);

    // -1/0/1, or int.MaxValue when the values are not ordered (NaN, arrays, objects, mixed kinds).
    private static int Compare(ExpressionValue left, ExpressionValue right)
    {
        Coerce(ref left, ref right);
        if (left.Kind != right.Kind)
        {
            return int.MaxValue;
        }

        switch (left.Kind)
        {
            case ExpressionValueKind.Number:
            case ExpressionValueKind.Boolean:
                if (double.IsNaN(left._number) || double.IsNaN(right._number))
                {
                    return int.MaxValue;
                }

                return left._number.CompareTo(right._number);
            case ExpressionValueKind.String:
                return Math.Sign(string.Compare((string)left._ref!, (string)right._ref!, StringComparison.OrdinalIgnoreCase));
            default:
                return int.MaxValue;
        }
    }

    private static void Coerce(ref ExpressionValue left, ref ExpressionValue right)
    {
        while (left.Kind != right.Kind)
        {
            if (left.Kind == ExpressionValueKind.Number && right.Kind == ExpressionValueKind.String)
            {
                right = FromNumber(right.ToNumber());
            }
            else if (left.Kind == ExpressionValueKind.String && right.Kind == ExpressionValueKind.Number)
            {
                left = FromNumber(left.ToNumber());
            }
            else if (left.Kind is ExpressionValueKind.Boolean or ExpressionValueKind.Null)
            {
                left = FromNumber(left.ToNumber());
            }
            else if (right.Kind is ExpressionValueKind.Boolean or ExpressionValueKind.Null)
            {
                right = FromNumber(right.ToNumber());
            }
            else
            {
                return;
            }
        }
    }

    /// <summary>Reference identity for arrays/objects, value identity for primitives (strings ordinal). Not loose equality.</summary>
    public bool IsSameAs(ExpressionValue other) =>
        Kind == other.Kind && (Kind switch
        {
            ExpressionValueKind.Null => true,
            ExpressionValueKind.Number or ExpressionValueKind.Boolean => _number.Equals(other._number),
            ExpressionValueKind.String => string.Equals((string)_ref!, (string)other._ref!, StringComparison.Ordinal),
            _ => ReferenceEquals(_ref, other._ref),
        });

    /// <summary>Identity as <see cref="IsSameAs"/> (not the language's loose <c>==</c>, see <see cref="LooseEquals"/>).</summary>
    public bool Equals(ExpressionValue other) => IsSameAs(other);

    public override bool Equals(object? obj) => obj is ExpressionValue other && IsSameAs(other);

    public override int GetHashCode() => Kind switch
    {
        ExpressionValueKind.Null => 0,
        ExpressionValueKind.Number or ExpressionValueKind.Boolean => HashCode.Combine(Kind, _number),
        ExpressionValueKind.String => HashCode.Combine(Kind, StringComparer.Ordinal.GetHashCode((string)_ref!)),
        _ => HashCode.Combine(Kind, System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(_ref!)),
    };

    /// <summary>Identity, as <see cref="Equals(ExpressionValue)"/>.</summary>
    public static bool operator ==(ExpressionValue left, ExpressionValue right) => left.IsSameAs(right);

    public static bool operator !=(ExpressionValue left, ExpressionValue right) => !left.IsSameAs(right);

    /// <summary>Property lookup (case-insensitive) when this is an object; <see cref="Null"/> otherwise.</summary>
    public ExpressionValue this[string key] =>
        Kind == ExpressionValueKind.Object && ((ExpressionObject)_ref!).TryGetValue(key, out var v) ? v : default;

    private InvalidOperationException WrongKind(ExpressionValueKind expected) =>
        new($"The value is {Kind}, not {expected}.");
}
