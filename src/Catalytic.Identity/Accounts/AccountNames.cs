using System.Text.RegularExpressions;

namespace Catalytic.Identity.Accounts;

/// <summary>
/// What a user name or a token's name may be. Names appear in the audit log, in deployment records and in headers of
/// nothing, so they are kept to a plain alphabet: no spaces, no control characters, nothing a terminal or a log reader
/// could take for something else.
/// </summary>
public static partial class AccountNames
{
    /// <summary>The longest user name.</summary>
    public const int MaxUserName = 64;

    /// <summary>The longest token name.</summary>
    public const int MaxTokenName = 64;

    /// <summary>The identity of the state folder's token (an admin credential of the server's machine), never a user.</summary>
    public const string Local = "local";

    /// <summary>The server itself, as the audit log names it when it acts on its own (the initial admin).</summary>
    public const string System = "system";

    /// <summary>The account `serve` creates on its first start.</summary>
    public const string InitialAdmin = "admin";

    /// <summary>Names no user can take, because the audit log and deployment records use them for something else.</summary>
    public static IReadOnlyList<string> Reserved { get; } = [Local, System, "anonymous", "unknown", "workflow", "demo"];

    /// <summary>
    /// The user name <paramref name="raw"/> stands for (names are case-insensitive: kept in lowercase), or null with
    /// <paramref name="error"/> saying what is wrong.
    /// </summary>
    public static string? NormalizeUser(string? raw, out string? error)
    {
        error = null;
        if (string.IsNullOrEmpty(raw))
        {
            error = "a user name is required";
            return null;
        }

        if (raw.Length > MaxUserName)
        {
            error = $"a user name has at most {MaxUserName} characters";
            return null;
        }

        var name = raw.ToLowerInvariant();
        if (!UserRegex().IsMatch(name))
        {
            error = "a user name is letters, digits, '.', '_' or '-', starting with a letter or digit";
            return null;
        }

        return name;
    }

    /// <summary>Whether <paramref name="name"/> (already normalised) is one of <see cref="Reserved"/>.</summary>
    public static bool IsReserved(string name) => Reserved.Contains(name);

    /// <summary>True when <paramref name="name"/> is a valid token name (printable, no control characters).</summary>
    public static bool IsValidTokenName(string? name, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(name))
        {
            error = "a token name must not be empty";
            return false;
        }

        if (name.Length > MaxTokenName)
        {
            error = $"a token name has at most {MaxTokenName} characters";
            return false;
        }

        if (!TokenNameRegex().IsMatch(name))
        {
            error = "a token name is letters, digits, spaces, '.', '_', ':', '/' or '-'";
            return false;
        }

        return true;
    }

    /// <summary>
    /// Untrusted text (an attempted user name) made safe to record: control characters replaced, cut to
    /// <paramref name="max"/> characters, so a hostile login attempt cannot forge lines in the audit log or a terminal.
    /// </summary>
    public static string Sanitize(string? text, int max = MaxUserName)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        var cut = text.Length > max ? text[..max] : text;
        var chars = cut.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (char.IsControl(chars[i]) || char.IsSurrogate(chars[i]) || chars[i] is '\u2028' or '\u2029')
            {
                chars[i] = '?';
            }
        }

        return new string(chars) + (text.Length > max ? "…" : "");
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]*$")]
    private static partial Regex UserRegex();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9 ._:/-]*$")]
    private static partial Regex TokenNameRegex();
}
