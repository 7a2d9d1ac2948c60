using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Catalytic.Delivery.Config;

/// <summary>
/// Reads catalytic.yml into a <see cref="DeliveryConfig"/>. Collects every error with its line and column
/// before giving up, so one run shows a person everything to fix; an invalid file yields no config at all.
/// </summary>
public static partial class DeliveryConfigParser
{
    private static readonly string[] AppKeys =
        ["run", "environments", "instances", "health", "env", "secrets", "pre-deploy", "smoke", "drain", "stop-timeout", "strategy", "approval", "analysis", "steps", "sticky-cookie", "scale-down-delay", "hosts", "path", "strip-path", "tls", "redirect", "backend", "edge"];

    private static readonly string[] EnvironmentKeys =
        ["listen", "instances", "health", "env", "secrets", "pre-deploy", "smoke", "drain", "stop-timeout", "strategy", "approval", "analysis", "steps", "sticky-cookie", "scale-down-delay", "hosts", "path", "strip-path", "tls", "redirect", "backend", "edge"];

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

    /// <summary>Parses YAML text; <paramref name="file"/> names it in errors.</summary>
    public static ConfigResult Parse(string text, string file = "catalytic.yml")
    {
        var r = new Reader(file);
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            return new ConfigResult(null, [new ConfigError(file, Line(e.Start), Column(e.Start), "invalid YAML: " + Inner(e))]);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            var at = stream.Documents.Count == 0 ? null : stream.Documents[0].RootNode;
            r.Error(at, "expected a mapping with an `apps:` key");
            return new ConfigResult(null, r.Errors.ToImmutable());
        }

        // actions, actions-url: where `run` finds remote actions; environments: pipeline jobs' protection rules, read by the
        // run queue; checks/notifications/alerts/status: Catalytic.Status's sections.
        r.CheckKeys(root, ["apps", "actions", "actions-url", "environments", "checks", "notifications", "alerts", "status"]);
        var apps = ImmutableArray.CreateBuilder<AppConfig>();
        var statusOnly = r.Get(root, "checks") is not null || r.Get(root, "notifications") is not null;
        if (r.Get(root, "apps") is not { } appsNode)
        {
            // A file of checks and notifications alone is a valid catalytic.yml: serve then only watches and tells.
            if (!statusOnly)
            {
                r.Error(root, "missing `apps:` (one entry per application)");
            }
        }
        else if (appsNode is not YamlMappingNode appsMap || appsMap.Children.Count == 0)
        {
            r.Error(appsNode, "`apps:` must be a mapping of application names");
        }
        else
        {
            var listens = new Dictionary<string, (string Owner, EnvironmentConfig Env)>(StringComparer.Ordinal);
            foreach (var (k, v) in appsMap.Children)
            {
                var name = ((YamlScalarNode)k).Value ?? "";
                if (!NameRegex().IsMatch(name))
                {
                    r.Error(k, $"application name '{name}' must be letters, digits, '-' or '_'");
                }

                if (ReadApp(r, name, k, v, listens) is { } app)
                {
                    apps.Add(app);
                }
            }
        }

        return r.Errors.Count > 0
            ? new ConfigResult(null, [.. r.Errors.OrderBy(e => e.Line).ThenBy(e => e.Column)])
            : new ConfigResult(new DeliveryConfig(file, apps.ToImmutable()), []);
    }

    private static AppConfig? ReadApp(Reader r, string name, YamlNode key, YamlNode node, Dictionary<string, (string Owner, EnvironmentConfig Env)> listens)
    {
        if (node is not YamlMappingNode map)
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
        else if (envsNode is not YamlMappingNode envsMap || envsMap.Children.Count == 0)
        {
            r.Error(envsNode, "`environments:` must be a mapping of environment names");
        }
        else
        {
            foreach (var (k, v) in envsMap.Children)
            {
                var envName = ((YamlScalarNode)k).Value ?? "";
                if (!NameRegex().IsMatch(envName))
                {
                    r.Error(k, $"environment name '{envName}' must be letters, digits, '-' or '_'");
                }

                if (v is not YamlMappingNode envMap)
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
                        CheckSharedListen(r, listenNode, listen, $"{name}/{envName}", env, other.Owner, other.Env);
                    }
                    else
                    {
                        listens[listen] = ($"{name}/{envName}", env);
                    }
                }

                if (env.Edge.Redirect is { } redirect && (env.Edge.Tls.IsEmpty || redirect == listen))
                {
                    r.Error(r.Get(envMap, "redirect") ?? k, env.Edge.Tls.IsEmpty
                        ? $"environment '{envName}': `redirect:` sends plain HTTP to https, so it needs `tls:`"
                        : $"environment '{envName}': `redirect:` {redirect} is its own `listen:` address");
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
    private static EnvironmentConfig ApplyCommon(Reader r, EnvironmentConfig c, YamlMappingNode map)
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

        if (r.Get(map, "approval") is YamlMappingNode approvalMap)
        {
            c = ReadApproval(r, approvalMap, c);
        }
        else if (r.Get(map, "approval") is { } aNode && r.String(map, "approval") is { } a)
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
                    r.Error(aNode, $"`approval:` '{a}' must be required or none (or a mapping naming users, roles, prevent-self-review)");
                    break;
            }
        }

        if (r.Map(map, "env") is { } envMap)
        {
            var b = c.Env.ToBuilder();
            foreach (var (k, v) in envMap.Children)
            {
                var key = ((YamlScalarNode)k).Value ?? "";
                if (!EnvNameRegex().IsMatch(key))
                {
                    r.Error(k, $"environment variable name '{key}' must match [A-Za-z_][A-Za-z0-9_]*");
                }

                if (v is YamlScalarNode sv)
                {
                    b[key] = sv.Value ?? "";
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
            foreach (var (k, v) in secMap.Children)
            {
                var key = ((YamlScalarNode)k).Value ?? "";
                if (!EnvNameRegex().IsMatch(key))
                {
                    r.Error(k, $"secret variable name '{key}' must match [A-Za-z_][A-Za-z0-9_]*");
                }

                if (v is YamlScalarNode { Value: { Length: > 0 } secretName } && SecretNameRegex().IsMatch(secretName))
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
            Edge = ReadEdge(r, c.Edge, map),
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
            if (analysisNode is YamlScalarNode { Value: "false" or "off" or "none" })
            {
                c = c with { Analysis = c.Analysis with { Enabled = false } };
            }
            else if (analysisNode is YamlMappingNode an)
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

    private static AnalysisConfig ReadAnalysis(Reader r, YamlMappingNode an, AnalysisConfig a)
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

    private static ImmutableArray<CanaryStep> ReadSteps(Reader r, YamlNode node)
    {
        var steps = ImmutableArray.CreateBuilder<CanaryStep>();
        if (node is not YamlSequenceNode seq || seq.Children.Count == 0)
        {
            r.Error(node, "`steps:` must be a list of {weight, pause, analysis}");
            return [];
        }

        var last = 0;
        foreach (var item in seq.Children)
        {
            if (item is not YamlMappingNode m)
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

    private static ImmutableArray<SmokeCheck> ReadSmoke(Reader r, YamlNode node)
    {
        if (node is not YamlSequenceNode seq)
        {
            r.Error(node, "`smoke:` must be a list of paths or {path, status, contains}");
            return [];
        }

        var checks = ImmutableArray.CreateBuilder<SmokeCheck>();
        foreach (var item in seq.Children)
        {
            switch (item)
            {
                case YamlScalarNode { Value: { } p } when p.StartsWith('/'):
                    checks.Add(new SmokeCheck(p));
                    break;
                case YamlMappingNode m:
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

    private static int Line(Mark m) => (int)m.Line;

    private static int Column(Mark m) => (int)m.Column;

    private static string Inner(YamlException e)
    {
        var msg = e.InnerException?.Message ?? e.Message;
        var paren = msg.IndexOf("): ", StringComparison.Ordinal);
        return paren >= 0 && msg.StartsWith('(') ? msg[(paren + 3)..] : msg;
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]*$")]
    private static partial Regex NameRegex();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvNameRegex();

    [GeneratedRegex("^[A-Za-z0-9_.-]+$")]
    private static partial Regex SecretNameRegex();

    /// <summary>Typed reads of mapping values that record an error (with the value's position) instead of throwing.</summary>
    private sealed class Reader(string file)
    {
        public ImmutableArray<ConfigError>.Builder Errors { get; } = ImmutableArray.CreateBuilder<ConfigError>();

        public void Error(YamlNode? node, string message) =>
            Errors.Add(new ConfigError(file, node is null ? 1 : Line(node.Start), node is null ? 1 : Column(node.Start), message));

        public void CheckKeys(YamlMappingNode map, string[] allowed)
        {
            foreach (var key in map.Children.Keys)
            {
                var name = (key as YamlScalarNode)?.Value;
                if (key is not YamlScalarNode)
                {
                    Error(key, "keys must be plain strings");
                }
                else if (!allowed.Contains(name))
                {
                    Error(key, $"unknown key '{name}' (expected one of: {string.Join(", ", allowed)})");
                }
            }
        }

        public YamlNode? Get(YamlMappingNode map, string key) =>
            map.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null;

        public YamlMappingNode? Map(YamlMappingNode map, string key)
        {
            var node = Get(map, key);
            if (node is null)
            {
                return null;
            }

            if (node is YamlMappingNode m)
            {
                return m;
            }

            Error(node, $"`{key}:` must be a mapping");
            return null;
        }

        public string? String(YamlMappingNode map, string key)
        {
            var node = Get(map, key);
            if (node is null)
            {
                return null;
            }

            if (node is YamlScalarNode { Value: { Length: > 0 } v })
            {
                return v;
            }

            Error(node, $"`{key}:` must be a non-empty string");
            return null;
        }

        public int? Int(YamlMappingNode map, string key, int min, int max)
        {
            var s = String(map, key);
            if (s is null)
            {
                return null;
            }

            if (int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max)
            {
                return n;
            }

            Error(Get(map, key), $"`{key}:` '{s}' must be a whole number from {min} to {max}");
            return null;
        }

        public double? Number(YamlMappingNode map, string key)
        {
            var s = String(map, key);
            if (s is null)
            {
                return null;
            }

            if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
            {
                return n;
            }

            Error(Get(map, key), $"`{key}:` '{s}' must be a number");
            return null;
        }

        public bool? Bool(YamlMappingNode map, string key)
        {
            var s = String(map, key);
            switch (s)
            {
                case null:
                    return null;
                case "true" or "yes" or "on":
                    return true;
                case "false" or "no" or "off":
                    return false;
                default:
                    Error(Get(map, key), $"`{key}:` '{s}' must be true or false");
                    return null;
            }
        }

        public TimeSpan? Duration(YamlMappingNode map, string key, bool positive = false)
        {
            var s = String(map, key);
            if (s is null)
            {
                return null;
            }

            if (Units.TryParseDuration(s, out var t) && (!positive || t > TimeSpan.Zero))
            {
                return t;
            }

            Error(Get(map, key), $"`{key}:` '{s}' must be a {(positive ? "positive " : "")}duration such as 500ms, 1s, 2m or 1h");
            return null;
        }

        public double? Percent(YamlMappingNode map, string key)
        {
            var s = String(map, key);
            if (s is null)
            {
                return null;
            }

            if (Units.TryParsePercent(s, out var f))
            {
                return f;
            }

            Error(Get(map, key), $"`{key}:` '{s}' must be a percentage such as 2% or 0.5%");
            return null;
        }
    }
}
