using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Catalytic.Pipelines.Workers.Protocol;

/// <summary>What a lease on the wire stands for: the dispatcher's lease, the run it belongs to and its repository.</summary>
public sealed record LeaseRef(string LeaseId, long RunId, string Repository);

/// <summary>
/// A lease as the worker protocol carries it: the dispatcher's lease id with its run and repository, sealed with an
/// HMAC-SHA256 keyed by the credential that acquired the job. The server opens it with the credential of each later
/// request, so a lease is usable only with the token that took the job (another worker's lease, or a forged one, does
/// not open) — without the server keeping a table of who holds what, across restarts and across servers sharing one
/// database. The artifact and cache routes learn the run and repository from it without asking the store.
/// </summary>
public static class LeaseSeals
{
    /// <summary>No sealed lease is longer (a lease id, a run id and a repository name); longer input is refused unread.</summary>
    public const int MaxLength = 1024;

    private const string Prefix = "l1";
    private const int TagBytes = 16;

    /// <summary>Seals <paramref name="lease"/> for <paramref name="credential"/> (the bearer token of the acquiring request).</summary>
    public static string Seal(LeaseRef lease, string credential)
    {
        var tag = Tag(lease, credential);
        return string.Join('.', Prefix, Encode(lease.LeaseId), lease.RunId.ToString(CultureInfo.InvariantCulture), Encode(lease.Repository), Base64Url.EncodeToString(tag));
    }

    /// <summary>The lease <paramref name="wire"/> stands for when it was sealed for <paramref name="credential"/>; null otherwise (malformed, forged, another credential's).</summary>
    public static LeaseRef? Open(string? wire, string credential)
    {
        if (wire is null || wire.Length > MaxLength)
        {
            return null;
        }

        var parts = wire.Split('.');
        if (parts.Length != 5 || parts[0] != Prefix
            || Decode(parts[1]) is not { Length: > 0 } leaseId
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var runId)
            || Decode(parts[3]) is not { Length: > 0 } repository)
        {
            return null;
        }

        byte[] given;
        try
        {
            given = Base64Url.DecodeFromChars(parts[4]);
        }
        catch (FormatException)
        {
            return null;
        }

        var lease = new LeaseRef(leaseId, runId, repository);
        return CryptographicOperations.FixedTimeEquals(given, Tag(lease, credential)) ? lease : null;
    }

    private static byte[] Tag(LeaseRef lease, string credential)
    {
        var key = SHA256.HashData(Encoding.UTF8.GetBytes(credential));
        var data = Encoding.UTF8.GetBytes(string.Join('\n', "catalytic-lease-v1", lease.LeaseId, lease.RunId.ToString(CultureInfo.InvariantCulture), lease.Repository));
        return HMACSHA256.HashData(key, data)[..TagBytes];
    }

    private static string Encode(string text) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(text));

    private static string? Decode(string text)
    {
        try
        {
            return Encoding.UTF8.GetString(Base64Url.DecodeFromChars(text));
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
