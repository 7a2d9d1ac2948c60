using System.Collections.Immutable;
using Catalytic.Delivery.Config;
using Catalytic.Delivery.Deployments;
using Catalytic.Delivery.Model;
using Catalytic.Status.Conditions;
using Catalytic.Status.Config;
using Catalytic.Status.Hosting;
using Catalytic.Status.Prometheus;
using Catalytic.Status.Storage;
using Catalytic.Storage.Status;

namespace Catalytic.Server.Status;

/// <summary>How `serve` builds the status service: its store beside the delivery store, the edge's health checks, and the deployment counters in /metrics.</summary>
public static class StatusHosting
{
    /// <summary>Opens the status store: the same SQLite file or PostgreSQL database as the delivery store.</summary>
    public static IStatusStore OpenStore(string stateDirectory, string? postgres) =>
        postgres is { } pg ? new PostgresStatusStore(pg) : new SqliteStatusStore(Path.Combine(stateDirectory, "catalytic.db"));

    /// <summary>
    /// One check per environment the edge serves, on its health path (named edge.APP.ENVIRONMENT, alert environment-down,
    /// critical), probed only while the environment has a live version.
    /// </summary>
    public static ImmutableArray<CheckConfig> EdgeChecks(DeliveryConfig delivery) =>
    [
        .. delivery.Apps.SelectMany(app => app.Environments.Select(env => new CheckConfig
        {
            Name = $"edge.{app.Name}.{env.Name}",
            Url = new Uri($"http://{env.Listen}{(env.Health.Path.StartsWith('/') ? "" : "/")}{env.Health.Path}"),
            Kind = CheckKind.Http,
            Interval = TimeSpan.FromSeconds(10),
            Timeout = env.Health.Timeout,
            Conditions = [new CheckCondition(ConditionParser.Parse("[STATUS] < 300").Condition!, false)],
            FailureThreshold = 3,
            SuccessThreshold = 2,
            Severity = "critical",
            Labels = ImmutableSortedDictionary.CreateRange<string, string>(StringComparer.Ordinal,
                [new("app", app.Name), new("environment", env.Name), new(Catalytic.Status.Checks.CheckMonitor.EdgeLabel, "true")]),
            Source = $"{delivery.Path}: apps.{app.Name}.environments.{env.Name}",
        })),
    ];

    /// <summary>Feeds the engine's deployment counters, instances and waiting approvals into /metrics before each scrape.</summary>
    public static void ExposeDelivery(PlatformMetrics metrics, DeliveryEngine engine, TimeProvider time)
    {
        metrics.Registry.AddBeforeCollectCallback(async ct =>
        {
            foreach (var (key, n) in engine.Counters)
            {
                var p = key.Split('|');
                metrics.Deployments.WithLabels(p[0], p[1], p[2]).IncTo(n);
            }

            PlatformMetrics.SetAll(metrics.Instances, engine.Supervisor.Instances
                .GroupBy(i => (i.App, i.Environment, i.Version, Health: i.Health.ToString().ToLowerInvariant()))
                .ToDictionary(g => new[] { g.Key.App, g.Key.Environment, g.Key.Version, g.Key.Health }, g => (double)g.Count()));
            var now = time.GetUtcNow();
            var waiting = (await engine.Store.ListDeploymentsAsync(limit: 500, ct: ct)).Where(d => d.State == DeploymentState.WaitingForApproval);
            PlatformMetrics.SetAll(metrics.ApprovalWaiting, waiting.GroupBy(d => (d.App, d.Environment))
                .ToDictionary(g => new[] { g.Key.App, g.Key.Environment }, g => g.Max(d => (now - d.UpdatedAt).TotalSeconds)));
        });
    }
}
