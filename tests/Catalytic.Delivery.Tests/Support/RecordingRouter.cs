using System.Collections.Concurrent;
using Catalytic.Delivery.Routing;

namespace Catalytic.Delivery.Tests.Support;

/// <summary>
/// The edge's router with every table the engine applied recorded in order, so a test reads the sequence of traffic
/// splits exactly instead of sampling the router on a timer (and missing a table that lived a millisecond).
/// </summary>
public sealed class RecordingRouter(ITrafficRouter inner) : ITrafficRouter
{
    /// <summary>Every table applied, oldest first.</summary>
    public ConcurrentQueue<RouteTable> Applied { get; } = new();

    /// <summary>
    /// The distinct consecutive splits of (app, environment), each as "version:weight" (with ":instances" when
    /// <paramref name="withInstances"/>) joined by spaces.
    /// </summary>
    public IReadOnlyList<string> Splits(string app = "web", string environment = "production", bool withInstances = false)
    {
        var splits = new List<string>();
        foreach (var t in Applied.Where(t => t.App == app && t.Environment == environment))
        {
            var desc = string.Join(" ", t.Versions.Select(v => withInstances ? $"{v.Version}:{v.Weight}:{v.Instances.Length}" : $"{v.Version}:{v.Weight}"));
            if (splits.Count == 0 || splits[^1] != desc)
            {
                splits.Add(desc);
            }
        }

        return splits;
    }

    public void Apply(RouteTable table)
    {
        inner.Apply(table);
        Applied.Enqueue(table);
    }

    public RouteTable? Current(string app, string environment) => inner.Current(app, environment);

    public int InFlight(Uri instance) => inner.InFlight(instance);

    public void Hold(string app, string environment, TimeSpan upTo) => inner.Hold(app, environment, upTo);
}
