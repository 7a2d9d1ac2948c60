using System.Collections.Immutable;

namespace Catalytic.Delivery.Routing;

/// <summary>
/// Which requests of a shared listener belong to one environment, as kamal-proxy and Traefik route: by <c>Host</c>
/// (exact names, or <c>*.example.com</c> for any name under example.com, the apex excluded, as nginx's wildcard names),
/// then by path prefix (whole segments: <c>/api</c> takes <c>/api</c> and <c>/api/x</c>, not <c>/apix</c>). No hosts: any
/// host. Read by catalytic.yml's checks (overlaps, with file positions) and by the edge (matching), so both agree.
/// </summary>
/// <param name="Hosts">Lower-case names or <c>*.</c>-wildcards; empty for every host.</param>
/// <param name="PathPrefix">Starts with <c>/</c>, no trailing <c>/</c> unless it is <c>/</c> itself.</param>
/// <param name="StripPrefix">The prefix is removed from the path before the request reaches an instance.</param>
public sealed record HostRoute(ImmutableArray<string> Hosts, string PathPrefix = "/", bool StripPrefix = false)
{
    /// <summary>Every host, every path.</summary>
    public static HostRoute Any { get; } = new([]);

    /// <summary>True when <paramref name="name"/> is a host name or a <c>*.</c> wildcard the edge can match (lower case, no port).</summary>
    public static bool IsValidHost(string name)
    {
        var labels = name.StartsWith("*.", StringComparison.Ordinal) ? name[2..] : name;
        if (labels.Length is 0 or > 253)
        {
            return false;
        }

        foreach (var label in labels.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-'
                || !label.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when <paramref name="prefix"/> can be a path prefix: starts with /, no trailing /, no query, dot-segment or escape.</summary>
    public static bool IsValidPrefix(string prefix) =>
        prefix == "/" || (prefix.StartsWith('/') && !prefix.EndsWith('/') && !prefix.Contains("//", StringComparison.Ordinal)
            && prefix.Split('/').Skip(1).All(s => s is not "." and not ".." && s.All(c => c > 0x20 && c < 0x7f && c is not '?' and not '#' and not '%' and not '\\')));

    /// <summary>
    /// The host pattern two routes both claim with the same path prefix (the same name, the same wildcard, or both any
    /// host), or null when every request goes to at most one of them by the rules above.
    /// </summary>
    public string? ConflictWith(HostRoute other)
    {
        if (!string.Equals(PathPrefix, other.PathPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        if (Hosts.IsEmpty || other.Hosts.IsEmpty)
        {
            return Hosts.IsEmpty && other.Hosts.IsEmpty ? "any host" : null;
        }

        return Hosts.FirstOrDefault(h => other.Hosts.Contains(h, StringComparer.Ordinal));
    }

    /// <summary>
    /// How specific the match of <paramref name="host"/> (lower case, no port) is: 3 for an exact name, 2 for a wildcard,
    /// 1 for a route of any host, 0 for no match. Among wildcards the longer suffix wins (the caller compares lengths).
    /// </summary>
    public int HostRank(ReadOnlySpan<char> host, out int suffixLength)
    {
        suffixLength = 0;
        if (Hosts.IsEmpty)
        {
            return 1;
        }

        var rank = 0;
        foreach (var h in Hosts)
        {
            if (h.StartsWith("*.", StringComparison.Ordinal))
            {
                var suffix = h.AsSpan(1); // ".example.com"
                if (host.Length > suffix.Length && host.EndsWith(suffix, StringComparison.Ordinal) && suffix.Length > suffixLength)
                {
                    rank = 2;
                    suffixLength = suffix.Length;
                }
            }
            else if (host.SequenceEqual(h))
            {
                return 3;
            }
        }

        return rank;
    }

    /// <summary>True when <paramref name="path"/> is under <see cref="PathPrefix"/> (whole segments).</summary>
    public bool MatchesPath(ReadOnlySpan<char> path) =>
        PathPrefix == "/" || (path.StartsWith(PathPrefix, StringComparison.Ordinal)
            && (path.Length == PathPrefix.Length || path[PathPrefix.Length] == '/'));
}
