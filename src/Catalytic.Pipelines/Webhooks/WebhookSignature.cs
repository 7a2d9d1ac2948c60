using System.Security.Cryptography;
using System.Text;

namespace Catalytic.Pipelines.Webhooks;

/// <summary>
/// The HMAC-SHA256 signature GitHub sends as <c>X-Hub-Signature-256: sha256=HEX</c> (Gitea and Forgejo send the same
/// header, and their own <c>X-Gitea-Signature</c>/<c>X-Forgejo-Signature</c> with the bare hex): the body's HMAC with the
/// repository's webhook secret, compared in constant time.
/// </summary>
public static class WebhookSignature
{
    /// <summary>The <c>X-Hub-Signature-256</c> value of <paramref name="body"/> signed with <paramref name="secret"/>.</summary>
    public static string Sign(string secret, ReadOnlySpan<byte> body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>
    /// Whether <paramref name="signature"/> (<c>sha256=HEX</c>, or bare hex) is <paramref name="body"/>'s HMAC with
    /// <paramref name="secret"/>. Malformed signatures are false; the comparison takes the same time wherever the first
    /// difference is.
    /// </summary>
    public static bool Verify(string secret, ReadOnlySpan<byte> body, string signature)
    {
        var hex = signature.StartsWith("sha256=", StringComparison.OrdinalIgnoreCase) ? signature[7..] : signature;
        if (hex.Length != 64)
        {
            return false;
        }

        Span<byte> given = stackalloc byte[32];
        if (Convert.FromHexString(hex, given, out _, out var written) != System.Buffers.OperationStatus.Done || written != 32)
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[32];
        HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body, expected);
        return CryptographicOperations.FixedTimeEquals(expected, given);
    }
}
