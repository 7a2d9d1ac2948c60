using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Catalytic.Platform.Secrets;

/// <summary>
/// The one scheme of the bearer secrets Catalytic hands out (API tokens and session cookies in Identity, job
/// credentials in Pipelines): 256 random bits as unpadded base64url, shown once and stored only as their SHA-256. A
/// fast hash is right here, unlike for passwords: the secret is random and long, so there is nothing to guess. What a
/// caller reads from outside is checked for the secret's shape (<see cref="IsWellFormed"/>) before any hashing or lookup.
/// </summary>
public static class RandomSecret
{
    /// <summary>The characters of a secret: base64url of 32 bytes, unpadded.</summary>
    public const int Length = 43;

    private const int Bytes = 32;

    /// <summary>A new secret.</summary>
    public static string New() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(Bytes));

    /// <summary>Whether <paramref name="secret"/> is shaped like one: <see cref="Length"/> characters of the base64url alphabet.</summary>
    public static bool IsWellFormed(ReadOnlySpan<char> secret)
    {
        if (secret.Length != Length)
        {
            return false;
        }

        foreach (var c in secret)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The stored form of a secret: its SHA-256, lower-case hex.</summary>
    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(secret)));
}
