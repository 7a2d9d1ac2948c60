using Catalytic.Platform.Secrets;

namespace Catalytic.Pipelines.Queue;

/// <summary>
/// A job's credential for the server's API (<c>cjt_</c> and a <see cref="RandomSecret"/>: 256 random bits, as API tokens
/// have), issued with its lease: the lease id is the first 128 bits of the secret's SHA-256, so the store holds only a hash of it (reading the database, or a lease
/// in a URL, gives no credential), and the credential is good exactly while its lease holds the job — on any server
/// sharing the store, after a restart, and never once the job ended, was lost or re-queued. What it may do is the
/// server's to say (docs/server.md, "Deploying from a job").
/// </summary>
public static class JobTokens
{
    /// <summary>What every job credential starts with (recognisable in a leak, as <c>ctk_</c> tokens are).</summary>
    public const string Prefix = "cjt_";

    /// <summary>A new credential and the lease id it belongs to.</summary>
    public static (string Token, string LeaseId) New()
    {
        var secret = RandomSecret.New();
        return (Prefix + secret, LeaseIdOf(secret));
    }

    /// <summary>The lease id <paramref name="token"/> belongs to; null for anything not shaped like a job credential.</summary>
    public static string? LeaseId(string? token)
    {
        if (token is not { Length: 4 + RandomSecret.Length } || !token.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var secret = token[Prefix.Length..];
        return RandomSecret.IsWellFormed(secret) ? LeaseIdOf(secret) : null;
    }

    private static string LeaseIdOf(string secret) => RandomSecret.Hash(secret)[..32];
}
