using Catalytic.Edge.Metrics;
using Catalytic.Edge.Proxy;

namespace Catalytic.Edge.Routing;

/// <summary>One version inside a compiled route snapshot: its weight, instances, metrics and response transformers.</summary>
internal sealed class VersionRoute
{
    private int _next = -1;

    public VersionRoute(string version, int weight, InstanceState[] instances, VersionStats stats, string? stickyCookie)
    {
        Version = version;
        Weight = weight;
        Instances = instances;
        Stats = stats;
        Transformer = new VersionTransformer(version, setCookie: null);
        StickyTransformer = stickyCookie is null ? null : new VersionTransformer(version, StickyCookieHeader(stickyCookie, version));
    }

    public string Version { get; }

    public int Weight { get; }

    public InstanceState[] Instances { get; }

    public VersionStats Stats { get; }

    /// <summary>Adds <c>X-Catalytic-Version</c>.</summary>
    public VersionTransformer Transformer { get; }

    /// <summary>Adds <c>X-Catalytic-Version</c> and sets the sticky cookie to this version; null when the table is not sticky.</summary>
    public VersionTransformer? StickyTransformer { get; }

    /// <summary>
    /// Least in-flight requests among available instances, scanning from a rotating start so equal loads alternate
    /// (round-robin). Falls back to an instance marked unavailable rather than to nothing.
    /// </summary>
    public InstanceState? ChooseInstance(long nowTimestamp, InstanceState? exclude = null)
    {
        var instances = Instances;
        var n = instances.Length;
        if (n == 1)
        {
            var only = instances[0];
            return ReferenceEquals(only, exclude) ? null : only;
        }

        if (n == 0)
        {
            return null;
        }

        var start = (int)((uint)Interlocked.Increment(ref _next) % (uint)n);
        InstanceState? best = null;
        InstanceState? fallback = null;
        var bestLoad = int.MaxValue;
        for (var i = 0; i < n; i++)
        {
            var candidate = instances[(start + i) % n];
            if (ReferenceEquals(candidate, exclude))
            {
                continue;
            }

            if (!candidate.IsAvailable(nowTimestamp))
            {
                fallback ??= candidate;
                continue;
            }

            var load = candidate.InFlight;
            if (load < bestLoad)
            {
                best = candidate;
                bestLoad = load;
            }
        }

        return best ?? fallback;
    }

    private static string StickyCookieHeader(string name, string version) =>
        $"{name}={Uri.EscapeDataString(version)}; Path=/; HttpOnly; SameSite=Lax";
}
