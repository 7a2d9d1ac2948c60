using System.Globalization;

namespace Catalytic.Workflows.Expressions.Templates;

/// <summary>
/// Types a plain YAML scalar as YAML 1.2's core schema does (which is what GitHub applies to workflow values):
/// null (<c>~</c>, <c>null</c>, empty), booleans, decimal/0o/0x integers, floats, <c>.inf</c> and <c>.nan</c>;
/// anything else is a string.
/// </summary>
public static class YamlCoreSchema
{
    public static ExpressionValue Convert(string plain)
    {
        ArgumentNullException.ThrowIfNull(plain);
        switch (plain)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return ExpressionValue.Null;
            case "true" or "True" or "TRUE":
                return true;
            case "false" or "False" or "FALSE":
                return false;
            case ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF":
                return double.PositiveInfinity;
            case "-.inf" or "-.Inf" or "-.INF":
                return double.NegativeInfinity;
            case ".nan" or ".NaN" or ".NAN":
                return double.NaN;
        }

        if (plain.Length > 2 && plain[0] == '0' && plain[1] == 'x' && AllMatch(plain.AsSpan(2), char.IsAsciiHexDigit) &&
            long.TryParse(plain.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex))
        {
            return hex;
        }

        if (plain.Length > 2 && plain[0] == '0' && plain[1] == 'o' && AllMatch(plain.AsSpan(2), c => c is >= '0' and <= '7'))
        {
            double octal = 0;
            foreach (var c in plain.AsSpan(2))
            {
                octal = (octal * 8) + (c - '0');
            }

            return octal;
        }

        if (IsCoreNumber(plain) && double.TryParse(plain, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            return number;
        }

        return plain;
    }

    private static bool AllMatch(ReadOnlySpan<char> s, Func<char, bool> test)
    {
        foreach (var c in s)
        {
            if (!test(c))
            {
                return false;
            }
        }

        return true;
    }

    // [-+]? ( \.[0-9]+ | [0-9]+ ( \.[0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
    private static bool IsCoreNumber(string s)
    {
        var i = 0;
        if (s[i] is '+' or '-')
        {
            i++;
        }

        var intDigits = 0;
        while (i < s.Length && char.IsAsciiDigit(s[i]))
        {
            i++;
            intDigits++;
        }

        var fracDigits = 0;
        if (i < s.Length && s[i] == '.')
        {
            i++;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
                fracDigits++;
            }
        }

        if (intDigits == 0 && fracDigits == 0)
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

            var expDigits = 0;
            while (i < s.Length && char.IsAsciiDigit(s[i]))
            {
                i++;
                expDigits++;
            }

            if (expDigits == 0)
            {
                return false;
            }
        }

        return i == s.Length;
    }
}
