using System.Collections.Immutable;
using System.Text;
using Catalytic.Delivery.Routing;
using Catalytic.Edge.Proxy;

namespace Catalytic.Edge.Routing;

/// <summary>One environment served on a listener: which requests are its (<see cref="HostRoute"/>) and its route slot.</summary>
internal sealed class SiteRoute(EdgeRoute route, RouteSlot slot)
{
    public EdgeRoute Route { get; } = route;

    public HostRoute Match => Route.Match;

    public RouteSlot Slot { get; } = slot;

    /// <summary>Bytes to strip from the path (0: nothing is stripped).</summary>
    public int StripLength { get; } = route.Match.StripPrefix && route.Match.PathPrefix != "/" ? Encoding.ASCII.GetByteCount(route.Match.PathPrefix) : 0;

    /// <summary>Requests reach the instances over HTTP/2 without TLS (h2c, prior knowledge).</summary>
    public bool H2c => Route.BackendProtocol == EdgeBackendProtocol.H2c;
}

/// <summary>
/// The environments of one listener and how a request finds its own: the most specific host match (an exact name, then
/// the longest wildcard, then a route of any host) whose path prefix the path is under, the longest prefix first.
/// Immutable; built when the listener starts.
/// </summary>
internal sealed class SiteRoutes
{
    /// <summary>The part of a path read for matching (prefixes are shorter: see <see cref="EdgeRoute"/>).</summary>
    private const int MatchedPathChars = 1100;

    private readonly SiteRoute[] _routes;

    public SiteRoutes(IEnumerable<SiteRoute> routes)
    {
        _routes = [.. routes.OrderByDescending(r => r.Match.PathPrefix.Length)];
        if (_routes is [{ Match: { Hosts.IsEmpty: true, PathPrefix: "/" } } only])
        {
            Single = only;
        }
    }

    /// <summary>The only route when it takes every request (the common case: no host or path routing).</summary>
    public SiteRoute? Single { get; }

    public ImmutableArray<SiteRoute> All => [.. _routes];

    /// <summary>The route of a request to <paramref name="host"/> (lower case, no port) and <paramref name="path"/>, or null (404).</summary>
    public SiteRoute? Find(ReadOnlySpan<char> host, ReadOnlySpan<char> path)
    {
        if (Single is { } single)
        {
            return single;
        }

        SiteRoute? best = null;
        var bestRank = 0;
        var bestSuffix = 0;
        foreach (var route in _routes)
        {
            // Longest prefix first: among equally specific host matches, the first that takes the path wins.
            var rank = route.Match.HostRank(host, out var suffix);
            if (rank == 0 || (rank < bestRank) || (rank == bestRank && suffix <= bestSuffix) || !route.Match.MatchesPath(path))
            {
                continue;
            }

            best = route;
            bestRank = rank;
            bestSuffix = suffix;
        }

        return best;
    }

    /// <summary><see cref="Find(ReadOnlySpan{char}, ReadOnlySpan{char})"/> for a path of ASCII bytes (the relay's).</summary>
    public SiteRoute? Find(ReadOnlySpan<char> host, ReadOnlySpan<byte> path)
    {
        if (Single is { } single)
        {
            return single;
        }

        Span<char> chars = stackalloc char[Math.Min(path.Length, MatchedPathChars)];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = (char)path[i];
        }

        return Find(host, chars);
    }

    /// <summary>Every pair of routes that claim the same requests, as messages (empty when none do).</summary>
    public static IReadOnlyList<string> Conflicts(IReadOnlyList<EdgeRoute> routes)
    {
        var errors = new List<string>();
        for (var i = 0; i < routes.Count; i++)
        {
            for (var j = 0; j < i; j++)
            {
                if (routes[i].Match.ConflictWith(routes[j].Match) is { } host)
                {
                    errors.Add($"{routes[i].App}/{routes[i].Environment} and {routes[j].App}/{routes[j].Environment} both take {host} under {routes[i].Match.PathPrefix}");
                }
            }
        }

        return errors;
    }
}
