using System.Collections.Immutable;
using Catalytic.Platform.Yaml;

namespace Catalytic.Delivery.Config;

// What a release must pass before and while it takes traffic: the instance's health check, the smoke checks after
// start, and the analysis of its traffic (error rate, p99 latency, an external metric) during a rollout.
public static partial class DeliveryConfigParser
{
    private static readonly string[] HealthKeys = ["path", "interval", "timeout", "healthy-threshold", "start-timeout"];

    private static readonly string[] AnalysisKeys =
        ["interval", "window", "max-error-rate", "max-p99-latency", "failure-limit", "min-requests", "metric"];

    /// <summary><c>health:</c>, <c>analysis:</c>, <c>steps:</c> and <c>smoke:</c> at app or environment level.</summary>
    private static EnvironmentConfig ApplyChecks(YamlReader r, EnvironmentConfig c, YamlMapping map)
    {
        if (r.Map(map, "health") is { } h)
        {
            c = c with { Health = ReadHealth(r, h, c.Health) };
        }

        if (r.Get(map, "analysis") is { } analysisNode)
        {
            if (analysisNode is YamlScalar { Value: "false" or "off" or "none" })
            {
                c = c with { Analysis = c.Analysis with { Enabled = false } };
            }
            else if (analysisNode is YamlMapping an)
            {
                c = c with { Analysis = ReadAnalysis(r, an, c.Analysis) };
            }
            else
            {
                r.Error(analysisNode, "`analysis:` must be a mapping (or false)");
            }
        }

        if (r.Get(map, "steps") is { } stepsNode)
        {
            c = c with { Steps = ReadSteps(r, stepsNode) };
        }

        if (r.Get(map, "smoke") is { } smokeNode)
        {
            c = c with { Smoke = ReadSmoke(r, smokeNode) };
        }

        return c;
    }

    private static HealthConfig ReadHealth(YamlReader r, YamlMapping h, HealthConfig inherited)
    {
        r.CheckKeys(h, HealthKeys);
        var path = r.String(h, "path");
        if (path is not null && !path.StartsWith('/'))
        {
            r.Error(r.Get(h, "path"), $"`health.path` '{path}' must start with /");
        }

        return inherited with
        {
            Path = path ?? inherited.Path,
            Interval = r.Duration(h, "interval", positive: true) ?? inherited.Interval,
            Timeout = r.Duration(h, "timeout", positive: true) ?? inherited.Timeout,
            HealthyThreshold = r.Int(h, "healthy-threshold", 1, 100) ?? inherited.HealthyThreshold,
            StartTimeout = r.Duration(h, "start-timeout", positive: true) ?? inherited.StartTimeout,
        };
    }

    private static AnalysisConfig ReadAnalysis(YamlReader r, YamlMapping an, AnalysisConfig a)
    {
        r.CheckKeys(an, AnalysisKeys);
        a = a with
        {
            Enabled = true,
            Interval = r.Duration(an, "interval", positive: true) ?? a.Interval,
            Window = r.Duration(an, "window", positive: true) ?? a.Window,
            MaxErrorRate = r.Percent(an, "max-error-rate") ?? a.MaxErrorRate,
            MaxP99Latency = r.Duration(an, "max-p99-latency", positive: true) ?? a.MaxP99Latency,
            FailureLimit = r.Int(an, "failure-limit", 1, 1000) ?? a.FailureLimit,
            MinRequests = r.Int(an, "min-requests", 0, 1_000_000) ?? a.MinRequests,
        };
        if (r.Get(an, "interval") is { } iNode && a.Interval > a.Window)
        {
            r.Error(iNode, $"`analysis.interval` ({Units.Format(a.Interval)}) must not be longer than `analysis.window` ({Units.Format(a.Window)})");
        }

        if (r.Map(an, "metric") is { } m)
        {
            r.CheckKeys(m, ["http", "prometheus", "query", "max"]);
            var http = r.String(m, "http");
            var prom = r.String(m, "prometheus");
            var query = r.String(m, "query");
            var max = r.Number(m, "max");
            if ((http is null) == (prom is null))
            {
                r.Error(m, "`analysis.metric` needs exactly one of `http:` (a URL that must answer 2xx) or `prometheus:` (a server URL, with `query:` and `max:`)");
            }
            else if (http is not null)
            {
                if (!Uri.TryCreate(http.Replace("{", "", StringComparison.Ordinal).Replace("}", "", StringComparison.Ordinal), UriKind.Absolute, out _))
                {
                    r.Error(r.Get(m, "http"), $"`metric.http` '{http}' is not an absolute URL");
                }

                a = a with { Metric = new MetricCheck(http, null, null) };
            }
            else
            {
                if (query is null || max is null)
                {
                    r.Error(m, "`analysis.metric.prometheus` needs `query:` and `max:`");
                }

                a = a with { Metric = new MetricCheck(prom!, query, max) };
            }
        }

        return a;
    }

    private static ImmutableArray<SmokeCheck> ReadSmoke(YamlReader r, YamlNode node)
    {
        var items = r.Items(node, "`smoke:` must be a list of paths or {path, status, contains}");

        var checks = ImmutableArray.CreateBuilder<SmokeCheck>();
        foreach (var item in items)
        {
            switch (item)
            {
                case YamlScalar { Value: var p } when p.StartsWith('/'):
                    checks.Add(new SmokeCheck(p));
                    break;
                case YamlMapping m:
                    r.CheckKeys(m, ["path", "status", "contains"]);
                    var path = r.String(m, "path");
                    if (path is null || !path.StartsWith('/'))
                    {
                        r.Error(r.Get(m, "path") ?? m, "a smoke check needs `path:` starting with /");
                    }

                    checks.Add(new SmokeCheck(path ?? "/", r.Int(m, "status", 100, 599) ?? 200, r.String(m, "contains")));
                    break;
                default:
                    r.Error(item, "a smoke check is a path starting with / or a mapping {path, status, contains}");
                    break;
            }
        }

        return checks.ToImmutable();
    }
}
