using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;
using Catalytic.Platform.Config;
using Catalytic.Platform.Yaml;

namespace Catalytic.Delivery.Config;

/// <summary>
/// Reads catalytic.yml into a <see cref="DeliveryConfig"/>. Collects every error with its line and column
/// before giving up, so one run shows a person everything to fix; an invalid file yields no config at all.
/// This part reads the file, its apps and their environments (names, <c>run:</c>, <c>listen:</c>); the keys both
/// levels share are in .Environment (who approves in .Approval, the edge's keys in .Edge), the release checks
/// (health, smoke, analysis) in .Checks, strategies in .Strategy.
/// </summary>
public static partial class DeliveryConfigParser
{
    private static readonly string[] AppKeys =
        ["run", "environments", "instances", "health", "env", "secrets", "pre-deploy", "smoke", "drain", "stop-timeout", "strategy", "approval", "analysis", "steps", "sticky-cookie", "scale-down-delay", "hosts", "path", "strip-path", "tls", "redirect", "backend", "edge"];

    private static readonly string[] EnvironmentKeys =
        ["listen", "instances", "health", "env", "secrets", "pre-deploy", "smoke", "drain", "stop-timeout", "strategy", "approval", "analysis", "steps", "sticky-cookie", "scale-down-delay", "hosts", "path", "strip-path", "tls", "redirect", "backend", "edge"];

    /// <summary>Reads and parses <paramref name="path"/>. A missing file is one error at 1:1.</summary>
    public static ConfigResult Load(string path) => CatalyticFile.Load(path) is { } file ? Read(file) : NotFound(path);

    /// <summary>The one error of a missing file, at 1:1.</summary>
    public static ConfigResult NotFound(string path) =>
        new(null, [new ConfigError(path, 1, 1, "file not found; create catalytic.yml (see docs/delivery.md) or pass --config FILE")]);

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
        var listens = new Dictionary<string, (string Owner, EnvironmentConfig Env)>(StringComparer.Ordinal);
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

    private static AppConfig? ReadApp(YamlReader r, string name, YamlNode key, YamlNode node, Dictionary<string, (string Owner, EnvironmentConfig Env)> listens)
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
