using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Catalytic.Platform.Secrets;

namespace Catalytic.Identity.Tokens;

/// <summary>
/// The bearer secrets the server hands out: API tokens (<c>ctk_ID_SECRET</c>) and session cookies (<c>ID.SECRET</c>).
/// The id is public (listed, revoked by); the secret is a <see cref="RandomSecret"/> (256 random bits shown once and
/// stored only as its SHA-256, the scheme job credentials share).
/// </summary>
public static class Secrets
{
    /// <summary>What every API token starts with (so a leaked one is recognisable, as GitHub's ghp_ are).</summary>
    public const string TokenPrefix = "ctk_";

    private const int IdBytes = 6;
    private const int IdChars = IdBytes * 2;
    private const int SecretChars = RandomSecret.Length;

    /// <summary>The longest credential worth looking at; anything longer is refused before any work.</summary>
    public const int MaxCredentialLength = 128;

    /// <summary>A new (id, secret, full credential) for an API token.</summary>
    public static (string Id, string Hash, string Token) NewToken()
    {
        var (id, secret) = NewPair();
        return (id, HashSecret(secret), $"{TokenPrefix}{id}_{secret}");
    }

    /// <summary>A new (id, secret hash, cookie value) for a session.</summary>
    public static (string Id, string Hash, string Cookie) NewSession()
    {
        var (id, secret) = NewPair();
        return (id, HashSecret(secret), $"{id}.{secret}");
    }

    /// <summary>Splits an API token into its id and secret; false for anything not shaped like one.</summary>
    public static bool TryParseToken(string? token, out string id, out string secret)
    {
        id = secret = "";
        return token is { Length: 4 + IdChars + 1 + SecretChars } &&
            token.StartsWith(TokenPrefix, StringComparison.Ordinal) && token[4 + IdChars] == '_' &&
            TrySplit(token.AsSpan(4), '_', out id, out secret);
    }

    /// <summary>Splits a session cookie into its id and secret; false for anything not shaped like one.</summary>
    public static bool TryParseSession(string? cookie, out string id, out string secret)
    {
        id = secret = "";
        return cookie is { Length: IdChars + 1 + SecretChars } && TrySplit(cookie, '.', out id, out secret);
    }

    /// <summary>The stored form of a secret (hex SHA-256).</summary>
    public static string HashSecret(string secret) => RandomSecret.Hash(secret);

    /// <summary>Whether <paramref name="secret"/> hashes to <paramref name="hash"/>, in constant time.</summary>
    public static bool Matches(string secret, string hash) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(HashSecret(secret)), Encoding.ASCII.GetBytes(hash));

    /// <summary>
    /// The CSRF token of a session: an HMAC of a fixed label keyed by the session's secret. The page reads it from the
    /// API and sends it back in a header or form field; a cross-site request cannot know it (it never sees the cookie
    /// or the API's answers), and the server needs no storage and no key ring to check it, on any node, after restarts.
    /// </summary>
    public static string CsrfToken(string sessionSecret) =>
        Base64Url.EncodeToString(HMACSHA256.HashData(Encoding.ASCII.GetBytes(sessionSecret), "catalytic csrf v1"u8));

    /// <summary>Constant-time comparison of two ASCII strings (different lengths are simply unequal).</summary>
    public static bool FixedTimeEquals(string? a, string? b) =>
        a is not null && b is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));

    private static (string Id, string Secret) NewPair() =>
        (Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(IdBytes)), RandomSecret.New());

    private static bool TrySplit(ReadOnlySpan<char> s, char separator, out string id, out string secret)
    {
        id = secret = "";
        if (s.Length != IdChars + 1 + SecretChars || s[IdChars] != separator)
        {
            return false;
        }

        var idPart = s[..IdChars];
        var secretPart = s[(IdChars + 1)..];
        foreach (var c in idPart)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return false;
            }
        }

        if (!RandomSecret.IsWellFormed(secretPart))
        {
            return false;
        }

        id = idPart.ToString();
        secret = secretPart.ToString();
        return true;
    }
}
