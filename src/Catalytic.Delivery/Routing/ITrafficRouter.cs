using System.Collections.Immutable;

namespace Catalytic.Delivery.Routing;

/// <summary>
/// Where an environment's traffic goes: a whole, immutable table swapped atomically.
/// A blue-green switch is one <see cref="ITrafficRouter.Apply"/> of a table whose weights moved from one version to the other.
/// </summary>
/// <param name="App">The application name from catalytic.yml.</param>
/// <param name="Environment">The environment name (staging, production…).</param>
/// <param name="Versions">Versions and their weights (0–100; the weights of a table add up to 100 unless it is empty).</param>
/// <param name="StickyCookie">When set, a client that carries this cookie keeps the version it was first sent to (canary stickiness).</param>
public sealed record RouteTable(string App, string Environment, ImmutableArray<WeightedVersion> Versions, string? StickyCookie = null);

/// <summary>One version's share of the traffic and the addresses of its healthy instances.</summary>
public sealed record WeightedVersion(string Version, int Weight, ImmutableArray<Uri> Instances);

/// <summary>Sets and reads the traffic split of an environment. The YARP edge is one implementation; Kubernetes would be another.</summary>
public interface ITrafficRouter
{
    /// <summary>Replaces the route table of (app, environment) in one atomic swap. New requests see the new table; requests in flight finish where they started.</summary>
    void Apply(RouteTable table);

    /// <summary>The table in force for (app, environment), or null when none was applied.</summary>
    RouteTable? Current(string app, string environment);

    /// <summary>
    /// Requests the router is forwarding to <paramref name="instance"/> right now, whichever table sent them there.
    /// An instance that left the table is drained until this reads 0.
    /// </summary>
    int InFlight(Uri instance);

    /// <summary>
    /// While (app, environment) is being brought back (server restart), requests that find nothing routable wait up to
    /// <paramref name="upTo"/> for a table instead of being refused; <see cref="TimeSpan.Zero"/> ends the hold.
    /// </summary>
    void Hold(string app, string environment, TimeSpan upTo);
}

/// <summary>Request metrics of one version as the edge saw them over a recent window.</summary>
/// <param name="Requests">Requests completed in the window.</param>
/// <param name="Errors">Responses with status ≥ 500, and requests the backend failed to answer.</param>
/// <param name="P99">99th percentile latency in the window; null when there were no requests.</param>
public sealed record VersionMetrics(string Version, long Requests, long Errors, TimeSpan? P99)
{
    public double ErrorRate => Requests == 0 ? 0 : (double)Errors / Requests;
}

/// <summary>Reads the edge's per-version metrics, for analysis.</summary>
public interface IVersionMetricsSource
{
    /// <summary>Metrics of <paramref name="version"/> of (app, environment) over the last <paramref name="window"/>.</summary>
    VersionMetrics Read(string app, string environment, string version, TimeSpan window);
}
