using System.Collections.Immutable;
using Catalytic.Delivery.Routing;
using Catalytic.Delivery.Targets;

namespace Catalytic.Delivery.Deployments.State;

/// <summary>
/// Holds the current <see cref="EnvironmentState"/> of one (app, environment) and swaps it whole: readers take a
/// snapshot (<see cref="State"/>) and never see half a change; writers pass a decision function to
/// <see cref="Update{T}"/>. Routing changes go through <see cref="Route"/>, which keeps the plan so an instance that
/// turns unhealthy (or healthy again) is taken out of (or put back into) the table.
/// </summary>
internal sealed class EnvironmentRuntime(string app, string environment, ITrafficRouter router)
{
    // Orders the router's tables as the plans they come from: a health refresh computed from an older plan must not
    // be applied after a newer plan's table. Private: nothing outside decides under it.
    private readonly Lock _routing = new();
    private EnvironmentState _state = EnvironmentState.Empty(app, environment);

    /// <summary>Application name.</summary>
    public string App { get; } = app;

    /// <summary>Environment name.</summary>
    public string Environment { get; } = environment;

    /// <summary>The current snapshot.</summary>
    public EnvironmentState State => Volatile.Read(ref _state);

    /// <summary>
    /// Applies <paramref name="decide"/> to the current snapshot and swaps in its result in one compare-and-swap,
    /// deciding again on the newer snapshot when another change won the race. Returns what the decision said.
    /// </summary>
    public T Update<T>(Func<EnvironmentState, (EnvironmentState Next, T Result)> decide)
    {
        while (true)
        {
            var current = State;
            var (next, result) = decide(current);
            if (ReferenceEquals(next, current) || TrySwap(current, next))
            {
                return result;
            }
        }
    }

    /// <summary>As <see cref="Update{T}"/> for a decision that only produces the next snapshot; returns it.</summary>
    public EnvironmentState Update(Func<EnvironmentState, EnvironmentState> decide) => Update(s =>
    {
        var next = decide(s);
        return (next, next);
    });

    /// <summary>Swaps <paramref name="next"/> in if <paramref name="expected"/> is still current.</summary>
    public bool TrySwap(EnvironmentState expected, EnvironmentState next) =>
        ReferenceEquals(Interlocked.CompareExchange(ref _state, next, expected), expected);

    /// <summary>Requests the router is forwarding to <paramref name="instance"/> now (drained to 0 before it stops).</summary>
    public int InFlight(Instance instance) => router.InFlight(instance.Address);

    /// <summary>Holds requests that find nothing routable for up to <paramref name="upTo"/> (zero ends the hold).</summary>
    public void Hold(TimeSpan upTo) => router.Hold(App, Environment, upTo);

    /// <summary>Replaces the traffic split in one atomic swap of the router's table.</summary>
    public void Route(params RouteEntry[] entries)
    {
        lock (_routing)
        {
            var s = Update(x => EnvironmentDecisions.Route(x, [.. entries]));
            router.Apply(Table(s));
        }
    }

    /// <summary>Re-applies the plan when an instance of it changed health.</summary>
    public void Refresh(Instance changed)
    {
        lock (_routing)
        {
            var s = State;
            if (s.Plan.Any(e => e.Instances.Contains(changed)))
            {
                router.Apply(Table(s));
            }
        }
    }

    /// <summary>
    /// The router's table for a snapshot's plan: only healthy instances take traffic; a version whose instances are all
    /// unhealthy keeps them all rather than vanish from a table whose weights must add up to 100.
    /// </summary>
    public static RouteTable Table(EnvironmentState s)
    {
        var versions = s.Plan.Where(e => e.Weight > 0).Select(e =>
        {
            var healthy = e.Instances.Where(i => i.Health == InstanceHealth.Healthy).ToImmutableArray();
            var chosen = healthy.IsEmpty ? e.Instances : healthy;
            return new WeightedVersion(e.Version, e.Weight, [.. chosen.Select(i => i.Address)]);
        }).ToImmutableArray();
        return new RouteTable(s.App, s.Environment, versions, s.Config?.StickyCookie);
    }
}
