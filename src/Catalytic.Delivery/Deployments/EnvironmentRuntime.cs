using System.Collections.Immutable;
using Catalytic.Delivery.Config;
using Catalytic.Delivery.Routing;
using Catalytic.Delivery.Targets;

namespace Catalytic.Delivery.Deployments;

/// <summary>One version's share of an environment's traffic and the instances that serve it.</summary>
public sealed record RouteEntry(string Version, int Weight, ImmutableArray<Instance> Instances);

/// <summary>
/// The in-memory side of one (app, environment): which instances run, how traffic is split, which release is
/// live and which previous one is still warm. Routing changes go through <see cref="Route"/>, which keeps the plan
/// so an instance that turns unhealthy (or healthy again) is taken out of (or put back into) the table.
/// </summary>
public sealed class EnvironmentRuntime(string app, string environment, ITrafficRouter router)
{
    private readonly Lock _lock = new();
    private ImmutableArray<RouteEntry> _plan = [];

    /// <summary>Application name.</summary>
    public string App { get; } = app;

    /// <summary>Environment name.</summary>
    public string Environment { get; } = environment;

    /// <summary>One deployment at a time per environment.</summary>
    public SemaphoreSlim DeployLock { get; } = new(1, 1);

    /// <summary>The configuration in force (the one of the latest deployment or restore).</summary>
    public EnvironmentConfig? Config { get; set; }

    /// <summary>The live version and its instances.</summary>
    public string? LiveVersion { get; set; }

    /// <summary>Instances of the live version.</summary>
    public ImmutableArray<Instance> LiveInstances { get; set; } = [];

    /// <summary>The previous release kept running after a switch until scale-down, so a rollback is one swap.</summary>
    public WarmRelease? Warm { get; set; }

    /// <summary>The deployment running now, if any.</summary>
    public ActiveDeployment? Active { get; set; }

    /// <summary>The deployment recorded and waiting for <see cref="DeployLock"/> (at most one: a newer one supersedes it).</summary>
    public QueuedDeployment? Queued { get; set; }

    /// <summary>Guards who runs next: superseding, queueing and a deployment committing its success decide under it.</summary>
    public Lock Decisions { get; } = new();

    /// <summary>The traffic plan in force.</summary>
    public ImmutableArray<RouteEntry> Plan
    {
        get
        {
            lock (_lock)
            {
                return _plan;
            }
        }
    }

    /// <summary>Requests the router is forwarding to <paramref name="instance"/> now (drained to 0 before it stops).</summary>
    public int InFlight(Instance instance) => router.InFlight(instance.Address);

    /// <summary>Holds requests that find nothing routable for up to <paramref name="upTo"/> (zero ends the hold).</summary>
    public void Hold(TimeSpan upTo) => router.Hold(App, Environment, upTo);

    /// <summary>Replaces the traffic split in one atomic swap of the router's table.</summary>
    public void Route(params RouteEntry[] entries)
    {
        lock (_lock)
        {
            _plan = [.. entries];
            router.Apply(Table(_plan));
        }
    }

    /// <summary>Re-applies the plan when an instance of it changed health.</summary>
    public void Refresh(Instance changed)
    {
        lock (_lock)
        {
            if (_plan.Any(e => e.Instances.Contains(changed)))
            {
                router.Apply(Table(_plan));
            }
        }
    }

    private RouteTable Table(ImmutableArray<RouteEntry> plan)
    {
        var versions = plan.Where(e => e.Weight > 0).Select(e =>
        {
            // Only healthy instances take traffic; a version whose instances are all unhealthy keeps them all
            // rather than vanishing from a table whose weights must add up to 100.
            var healthy = e.Instances.Where(i => i.Health == InstanceHealth.Healthy).ToImmutableArray();
            var chosen = healthy.IsEmpty ? e.Instances : healthy;
            return new WeightedVersion(e.Version, e.Weight, [.. chosen.Select(i => i.Address)]);
        }).ToImmutableArray();
        return new RouteTable(App, Environment, versions, Config?.StickyCookie);
    }
}

/// <summary>A previous release still running after a switch, stopped when <see cref="ScaleDown"/> fires.</summary>
public sealed record WarmRelease(string Version, ImmutableArray<Instance> Instances, CancellationTokenSource ScaleDown);

/// <summary>A running deployment and how to interrupt it.</summary>
public sealed class ActiveDeployment(string id, CancellationTokenSource cancel)
{
    private TaskCompletionSource<GateDecision>? _gate;

    /// <summary>The deployment id.</summary>
    public string Id { get; } = id;

    /// <summary>Cancelled when a person asks for a rollback while it runs.</summary>
    public CancellationTokenSource Cancel { get; } = cancel;

    /// <summary>Set with the reason when a rollback was requested.</summary>
    public string? RollbackReason { get; set; }

    /// <summary>The id of the newer deployment that superseded this one (set under <see cref="EnvironmentRuntime.Decisions"/>).</summary>
    public string? SupersededBy { get; set; }

    /// <summary>True once it passed and is recording its success; it can no longer be superseded then.</summary>
    public bool Committing { get; set; }

    /// <summary>Completes when the deployment's run ended (whatever the outcome).</summary>
    public TaskCompletionSource Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Opens a gate; the returned task completes with the person's decision.</summary>
    public Task<GateDecision> OpenGate()
    {
        var tcs = new TaskCompletionSource<GateDecision>(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _gate, tcs);
        return tcs.Task;
    }

    /// <summary>Decides the open gate; false when no gate is open.</summary>
    public bool Decide(GateDecision decision)
    {
        var tcs = Interlocked.Exchange(ref _gate, null);
        return tcs is not null && tcs.TrySetResult(decision);
    }

    /// <summary>True while a gate waits for a decision.</summary>
    public bool GateOpen => Volatile.Read(ref _gate) is not null;
}

/// <summary>A recorded deployment waiting for the environment's lock.</summary>
public sealed class QueuedDeployment(string id, string version)
{
    /// <summary>The deployment id.</summary>
    public string Id { get; } = id;

    /// <summary>The version it ships.</summary>
    public string Version { get; } = version;

    /// <summary>Set (under <see cref="EnvironmentRuntime.Decisions"/>) when a newer deployment or a rollback replaced it before it started.</summary>
    public string? SupersededBy { get; set; }
}

/// <summary>A person's decision at a gate.</summary>
public sealed record GateDecision(bool Approved, string By, string? Comment);
