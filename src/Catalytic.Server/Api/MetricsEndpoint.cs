using System.Globalization;
using System.Text;
using Catalytic.Contracts.Deployments;
using Catalytic.Delivery.Deployments;
using Catalytic.Edge.Routing;
using Catalytic.Server.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Catalytic.Server.Api;

/// <summary>/metrics: the edge's per-version RED metrics and the deployment counters, Prometheus text 0.0.4.</summary>
public static class MetricsEndpoint
{
    /// <summary>Maps /metrics.</summary>
    public static IEndpointRouteBuilder MapMetricsEndpoint(this IEndpointRouteBuilder routes)
    {
        routes.MapGet(DeliveryRoutes.Metrics, (EdgeRouter router, DeliveryEngine engine) =>
        {
            var sb = new StringBuilder(router.FormatPrometheus());
            sb.Append("# HELP catalytic_deployments_total Deployments that ended, by final state.\n# TYPE catalytic_deployments_total counter\n");
            foreach (var (key, n) in engine.Counters.OrderBy(k => k.Key, StringComparer.Ordinal))
            {
                var p = key.Split('|');
                sb.Append(CultureInfo.InvariantCulture, $"catalytic_deployments_total{{app=\"{Escape(p[0])}\",environment=\"{Escape(p[1])}\",state=\"{p[2]}\"}} {n}\n");
            }

            sb.Append("# HELP catalytic_instances Supervised instances, by health.\n# TYPE catalytic_instances gauge\n");
            foreach (var g in engine.Supervisor.Instances.GroupBy(i => (i.App, i.Environment, i.Version, Health: i.Health.ToString().ToLowerInvariant())).OrderBy(g => g.Key.ToString(), StringComparer.Ordinal))
            {
                sb.Append(CultureInfo.InvariantCulture, $"catalytic_instances{{app=\"{Escape(g.Key.App)}\",environment=\"{Escape(g.Key.Environment)}\",version=\"{Escape(g.Key.Version)}\",health=\"{g.Key.Health}\"}} {g.Count()}\n");
            }

            return TypedResults.Text(sb.ToString(), "text/plain; version=0.0.4; charset=utf-8");
        }).Require(Policies.Metrics);
        return routes;
    }

    private static string Escape(string s) => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
