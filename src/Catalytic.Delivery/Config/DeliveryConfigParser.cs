using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;
using Catalytic.Platform.Config;
using Catalytic.Platform.Yaml;

namespace Catalytic.Delivery.Config;

/// <summary>
/// Reads catalytic.yml into a <see cref="DeliveryConfig"/>. Collects every error with its line and column
/// before giving up, so one run shows a person everything to fix; an invalid file yields no config at all.
/// </summary>
public static partial class DeliveryConfigParser
{
    private static readonly string[] AppKeys =
        ["run", "environments", "instances", "health", "env", "secrets", "pre-deploy", "smoke", "drain", "stop-timeout", "strategy", "approval", "analysis", "steps", "sticky-cookie", "scale-down-delay"];

    private static readonly string[] EnvironmentKeys =
        ["listen", "instances", "health", "env", "secrets", "pre-deploy", "smoke", "drain", "stop-timeout", "strategy", "approval", "analysis", "steps", "sticky-cookie", "scale-down-delay"];

    private static readonly string[] HealthKeys = ["path", "interval", "timeout", "healthy-threshold", "start-timeout"];

    private static readonly string[] AnalysisKeys =
        ["interval", "window", "max-error-rate", "max-p99-latency", "failure-limit", "min-requests", "metric"];

    /// <summary>The default canary steps when none are configured.</summary>
    public static ImmutableArray<CanaryStep> DefaultSteps { get; } =
        [new CanaryStep(10, TimeSpan.FromSeconds(30), true), new CanaryStep(50, TimeSpan.FromSeconds(30), true)];

    /// <summary>Reads and parses <paramref name="path"/>. A missing file is one error at 1:1.</summary>
    public static ConfigResult Load(string path)
    {
        if (!File.Exists(path))
        {
            return new ConfigResult(null, [new ConfigError(path, 1, 1, "file not found; create catalytic.yml (see docs/delivery.md) or pass --config FILE")]);
        }

        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>The <c>apps:</c> section of catalytic.yml: every application and its environments (none when the file has no such section).</summary>
    public static ConfigSection<ImmutableArray<AppConfig>> Apps { get; } = new("apps", ReadApps, []);

    /// <summary>Parses YAML text; <paramref name="file"/> names it in errors.</summary>
    public static ConfigResult Parse(string text, string file = "catalytic.yml") => Read(CatalyticFile.Parse(text, file));

    /// <summary>
    /// The delivery configuration of an already-read catalytic.yml: its <c>apps:</c> section, with the file's own
    /// problems (YAML, unknown top-level keys) and the section's, ordered by position.
    /// </summary>
    public static ConfigResult Read(ConfigFile file)
    {
        var apps = file.Read(Apps);
        var errors = file.Errors.Select(e => new ConfigError(file.File, e.At.Line, e.At.Column, e.IsSyntax ? "invalid YAML: " + e.Message : e.Message))
            .Concat(apps.Errors.Select(e => new ConfigError(file.File, e.At.Line, e.At.Column, e.Message)))
            .ToList();
        return errors.Count > 0
            ? new ConfigResult(null, [.. errors.OrderBy(e => e.Line).ThenBy(e => e.Column)])
            : new ConfigResult(new DeliveryConfig(file.File, apps.Value), []);
    }

    private static ImmutableArray<AppConfig> ReadApps(YamlNode appsNode, YamlReader r)
    {
        if (appsNode is not YamlMapping appsMap || appsMap.Entries.IsEmpty)
        {
            r.Error(appsNode, "`apps:` must be a mapping of application names");
            return [];
        }

        var apps = ImmutableArray.CreateBuilder<AppConfig>();
        var listens = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in appsMap.Entries)
        {
            var name = k.Value;
            if (!NameRegex().IsMatch(name))
            {
                r.Error(k, $"application name '{name}' must be letters, digits, '-' or '_'");
            }

            if (ReadApp(r, name, k, v, listens) is { } app)
            {
                apps.Add(app);
            }
        }

        return apps.ToImmutable();
    }

    private static AppConfig? ReadApp(YamlReader r, string name, YamlNode key, YamlNode node, Dictionary<string, string> listens)
    {
        if (node is not YamlMapping map)
        {
            r.Error(node, $"app '{name}' must be a mapping with at least `run:` and `environments:`");
            return null;
        }

        r.CheckKeys(map, AppKeys);
        var run = r.String(map, "run");
        if (run is null && r.Get(map, "run") is null)
        {
            r.Error(key, $"app '{name}': missing `run:` (the command that starts one instance)");
        }

        var baseline = ApplyCommon(r, new EnvironmentConfig { Name = "", Listen = "", Run = run ?? "" }, map);
        var envs = ImmutableArray.CreateBuilder<EnvironmentConfig>();
        if (r.Get(map, "environments") is not { } envsNode)
        {
            r.Error(key, $"app '{name}': missing `environments:`");
        }
        else if (envsNode is not YamlMapping envsMap || envsMap.Entries.IsEmpty)
        {
            r.Error(envsNode, "`environments:` must be a mapping of environment names");
        }
        else
        {
            foreach (var (k, v) in envsMap.Entries)
            {
                var envName = k.Value;
                if (!NameRegex().IsMatch(envName))
                {
                    r.Error(k, $"environment name '{envName}' must be letters, digits, '-' or '_'");
                }

                if (v is not YamlMapping envMap)
                {
                    r.Error(v, $"environment '{envName}' must be a mapping with at least `listen:`");
                    continue;
                }

                r.CheckKeys(envMap, EnvironmentKeys);
                var env = ApplyCommon(r, baseline with { Name = envName }, envMap);
                var listenNode = r.Get(envMap, "listen");
                var listen = r.String(envMap, "listen");
                if (listenNode is null)
                {
                    r.Error(k, $"environment '{envName}': missing `listen:` (address of its edge, e.g. 127.0.0.1:8080)");
                }
                else if (listen is not null)
                {
                    if (!TryParseListen(listen, out _, out _))
                    {
                        r.Error(listenNode, $"`listen:` '{listen}' must be HOST:PORT with a port from 1 to 65535");
                    }
                    else if (listens.TryGetValue(listen, out var other))
                    {
                        r.Error(listenNode, $"`listen:` {listen} is already used by {other}");
                    }
                    else
                    {
                        listens[listen] = $"{name}/{envName}";
                    }
                }

                if (env.Strategy == StrategyKind.Canary && env.Steps.IsEmpty)
                {
                    env = env with { Steps = DefaultSteps };
                }

                envs.Add(env with { Listen = listen ?? "" });
            }
        }

        return new AppConfig(name, run ?? "", envs.ToImmutable());
    }

    /// <summary>Keys allowed at both app and environment level; the environment's value wins.</summary>
    private static EnvironmentConfig ApplyCommon(YamlReader r, EnvironmentConfig c, YamlMapping map)
    {
        if (r.Int(map, "instances", 1, 1000) is { } instances)
        {
            c = c with { Instances = instances };
        }

        if (r.Get(map, "strategy") is { } sNode && r.String(map, "strategy") is { } s)
        {
            if (TryParseStrategy(s, out var kind))
            {
                c = c with { Strategy = kind };
            }
            else
            {
                r.Error(sNode, $"`strategy:` '{s}' must be rolling, blue-green or canary");
            }
        }

        if (r.Get(map, "approval") is { } aNode && r.String(map, "approval") is { } a)
        {
            switch (a)
            {
                case "required" or "true":
                    c = c with { ApprovalRequired = true };
                    break;
                case "none" or "false":
                    c = c with { ApprovalRequired = false };
                    break;
                default:
                    r.Error(aNode, $"`approval:` '{a}' must be required or none");
                    break;
            }
        }

        if (r.Map(map, "env") is { } envMap)
        {
            var b = c.Env.ToBuilder();
            foreach (var (k, v) in envMap.Entries)
            {
                var key = k.Value;
                if (!EnvNameRegex().IsMatch(key))
                {
                    r.Error(k, $"environment variable name '{key}' must match [A-Za-z_][A-Za-z0-9_]*");
                }

                if (v is YamlScalar sv)
                {
                    b[key] = sv.Value;
                }
                else
                {
                    r.Error(v, $"`env.{key}` must be a string");
                }
            }

            c = c with { Env = b.ToImmutable() };
        }

        if (r.Map(map, "secrets") is { } secMap)
        {
            var b = c.Secrets.ToBuilder();
            foreach (var (k, v) in secMap.Entries)
            {
                var key = k.Value;
                if (!EnvNameRegex().IsMatch(key))
                {
                    r.Error(k, $"secret variable name '{key}' must match [A-Za-z_][A-Za-z0-9_]*");
                }

                if (v is YamlScalar { Value: { Length: > 0 } secretName } && SecretNameRegex().IsMatch(secretName))
                {
                    b[key] = secretName;
                }
                else
                {
                    r.Error(v, $"`secrets.{key}` must name a secret (letters, digits, '_', '-', '.')");
                }
            }

            c = c with { Secrets = b.ToImmutable() };
        }

        if (r.Get(map, "pre-deploy") is not null)
        {
            c = c with { PreDeploy = r.String(map, "pre-deploy") };
        }

        if (r.Get(map, "sticky-cookie") is not null)
        {
            c = c with { StickyCookie = r.String(map, "sticky-cookie") };
        }

        c = c with
        {
            ScaleDownDelay = r.Duration(map, "scale-down-delay") ?? c.ScaleDownDelay,
            Drain = r.Duration(map, "drain") ?? c.Drain,
            StopTimeout = r.Duration(map, "stop-timeout") ?? c.StopTimeout,
        };

        if (r.Map(map, "health") is { } h)
        {
            r.CheckKeys(h, HealthKeys);
            var path = r.String(h, "path");
            if (path is not null && !path.StartsWith('/'))
            {
                r.Error(r.Get(h, "path"), $"`health.path` '{path}' must start with /");
            }

            c = c with
            {
                Health = c.Health with
                {
                    Path = path ?? c.Health.Path,
                    Interval = r.Duration(h, "interval", positive: true) ?? c.Health.Interval,
                    Timeout = r.Duration(h, "timeout", positive: true) ?? c.Health.Timeout,
                    HealthyThreshold = r.Int(h, "healthy-threshold", 1, 100) ?? c.Health.HealthyThreshold,
                    StartTimeout = r.Duration(h, "start-timeout", positive: true) ?? c.Health.StartTimeout,
                },
            };
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

    private static ImmutableArray<CanaryStep> ReadSteps(YamlReader r, YamlNode node)
    {
        var steps = ImmutableArray.CreateBuilder<CanaryStep>();
        if (node is not YamlSequence seq || seq.Items.IsEmpty)
        {
            r.Error(node, "`steps:` must be a list of {weight, pause, analysis}");
            return [];
        }

        var last = 0;
        foreach (var item in seq.Items)
        {
            if (item is not YamlMapping m)
            {
                r.Error(item, "a canary step must be a mapping with `weight:` (and optional `pause:`, `analysis:`)");
                continue;
            }

            r.CheckKeys(m, ["weight", "pause", "analysis"]);
            var weight = r.Int(m, "weight", 1, 100);
            if (weight is null && r.Get(m, "weight") is null)
            {
                r.Error(m, "a canary step needs `weight:` (1–100, percent of traffic to the new release)");
            }
            else if (weight is { } w && w <= last)
            {
                r.Error(r.Get(m, "weight"), $"canary weights must increase (this {w} follows {last})");
            }

            last = weight ?? last;
            steps.Add(new CanaryStep(weight ?? 0, r.Duration(m, "pause") ?? TimeSpan.Zero, r.Bool(m, "analysis") ?? true));
        }

        return steps.ToImmutable();
    }

    private static ImmutableArray<SmokeCheck> ReadSmoke(YamlReader r, YamlNode node)
    {
        if (node is not YamlSequence seq)
        {
            r.Error(node, "`smoke:` must be a list of paths or {path, status, contains}");
            return [];
        }

        var checks = ImmutableArray.CreateBuilder<SmokeCheck>();
        foreach (var item in seq.Items)
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

    /// <summary>Parses rolling | blue-green | canary.</summary>
    public static bool TryParseStrategy(string text, out StrategyKind kind)
    {
        switch (text)
        {
            case "rolling":
                kind = StrategyKind.Rolling;
                return true;
            case "blue-green" or "bluegreen":
                kind = StrategyKind.BlueGreen;
                return true;
            case "canary":
                kind = StrategyKind.Canary;
                return true;
            default:
                kind = default;
                return false;
        }
    }

    /// <summary>The name a strategy has in catalytic.yml.</summary>
    public static string StrategyName(StrategyKind kind) => kind switch
    {
        StrategyKind.BlueGreen => "blue-green",
        StrategyKind.Canary => "canary",
        _ => "rolling",
    };

    /// <summary>Splits HOST:PORT.</summary>
    public static bool TryParseListen(string listen, out string host, out int port)
    {
        host = "";
        port = 0;
        var colon = listen.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(listen[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
        {
            return false;
        }

        host = listen[..colon].Trim('[', ']');
        return host.Length > 0;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]*$")]
    private static partial Regex NameRegex();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvNameRegex();

    [GeneratedRegex("^[A-Za-z0-9_.-]+$")]
    private static partial Regex SecretNameRegex();
}
