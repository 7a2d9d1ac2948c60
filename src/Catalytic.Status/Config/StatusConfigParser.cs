using System.Collections.Immutable;
using Catalytic.Delivery.Config;
using Catalytic.Platform.Text;
using Catalytic.Platform.Yaml;
using Catalytic.Status.Conditions;

namespace Catalytic.Status.Config;

/// <summary>
/// Reads the `checks:`, `notifications:`, `alerts:` and `status:` sections of catalytic.yml (other sections belong to
/// other readers and are left alone). Every error is collected with file:line:column — a condition error points at the
/// character inside the quoted condition — and an invalid file yields no configuration.
/// </summary>
public static partial class StatusConfigParser
{
    /// <summary>The top-level keys this reader owns.</summary>
    public static readonly ImmutableArray<string> Sections = ["checks", "notifications", "alerts", "status"];

    private static readonly string[] CheckKeys =
        ["url", "interval", "timeout", "method", "headers", "body", "insecure", "dns", "conditions", "failure-threshold", "success-threshold",
         "severity", "labels", "runbook", "maintenance", "from", "quorum", "public"];

    private static readonly string[] Days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

    /// <summary>Reads <paramref name="path"/>; a missing file is an empty configuration (status features are optional).</summary>
    public static (StatusConfig? Config, ImmutableArray<ConfigError> Errors) Load(string path) =>
        File.Exists(path) ? Parse(File.ReadAllText(path), path) : (StatusConfig.Empty, []);

    /// <summary>Parses YAML text; <paramref name="file"/> names it in errors.</summary>
    public static (StatusConfig? Config, ImmutableArray<ConfigError> Errors) Parse(string text, string file = "catalytic.yml") =>
        // The one YAML layer: never throws; every problem of the text (syntax, duplicate keys, nesting, aliases) is positioned.
        Read(YamlDocument.Parse(file, text));

    /// <summary>Reads the status sections of an already-parsed catalytic.yml (serve parses the file once for every section).</summary>
    public static (StatusConfig? Config, ImmutableArray<ConfigError> Errors) Read(YamlDocument document)
    {
        var file = document.File;
        var r = new YamlReader();
        if (!document.Errors.IsEmpty)
        {
            return (null, [.. document.Errors.Select(e => new ConfigError(file, e.At.Line, e.At.Column, (e.IsSyntax ? "invalid YAML: " : "") + e.Message))]);
        }

        if (document.Root is not YamlMapping root)
        {
            return (StatusConfig.Empty, []);
        }

        var config = StatusConfig.Empty;
        if (r.AsMapping(root["status"], "`status:`") is { } status)
        {
            config = ReadStatus(r, status, config);
        }

        if (r.AsMapping(root["checks"], "`checks:` (a mapping of check names)") is { } checks)
        {
            config = config with { Checks = ReadChecks(r, file, checks) };
        }

        if (r.AsMapping(root["alerts"], "`alerts:` (a mapping of alert kinds)") is { } alerts)
        {
            config = config with { AlertKinds = ReadAlertKinds(r, alerts) };
        }

        if (r.AsMapping(root["notifications"], "`notifications:`") is { } notifications)
        {
            config = ReadNotifications(r, notifications, config);
        }

        return r.Errors.Count > 0
            ? (null, [.. r.Errors.Select(e => new ConfigError(file, Math.Max(1, e.At.Line), Math.Max(1, e.At.Column), e.Message)).OrderBy(e => e.Line).ThenBy(e => e.Column)])
            : (config, []);
    }

    private static StatusConfig ReadStatus(YamlReader r, YamlMapping map, StatusConfig c)
    {
        r.CheckKeys(map, ["edge-checks", "keep", "page", "url"], "`status:`");
        c = c with { EdgeChecks = r.Bool(map, "edge-checks") ?? true, Keep = r.Duration(map, "keep", TimeSpan.FromDays(1)) ?? c.Keep };
        if (r.Scalar(map, "url") is { } url)
        {
            if (Uri.TryCreate(url, UriKind.Absolute, out var u) && u.Scheme is "http" or "https")
            {
                c = c with { DashboardUrl = u };
            }
            else
            {
                r.Error(map["url"], $"`url` must be an http(s) address, not '{url}'");
            }
        }

        if (r.AsMapping(map["page"], "`page:`") is { } page)
        {
            r.CheckKeys(page, ["enabled", "title"], "`status.page:`");
            c = c with { Page = new StatusPageConfig { Enabled = r.Bool(page, "enabled") ?? true, Title = r.Scalar(page, "title") ?? c.Page.Title } };
        }

        return c;
    }

    private static ImmutableArray<CheckConfig> ReadChecks(YamlReader r, string file, YamlMapping checks)
    {
        var list = ImmutableArray.CreateBuilder<CheckConfig>();
        foreach (var (k, v) in checks.Entries)
        {
            var name = (k as YamlScalar)?.Value ?? "";
            if (!NameOk(name))
            {
                r.Error(k, $"check name '{name}' must be letters, digits, '-', '_' or '.'");
            }

            if (r.AsMapping(v, $"check '{name}'") is { } map && ReadCheck(r, file, name, k, map) is { } check)
            {
                list.Add(check);
            }
        }

        return list.ToImmutable();
    }

    private static CheckConfig? ReadCheck(YamlReader r, string file, string name, YamlNode key, YamlMapping map)
    {
        r.CheckKeys(map, CheckKeys, $"check '{name}'");
        var urlText = r.Scalar(map, "url");
        if (urlText is null)
        {
            r.Error(key, $"check '{name}': missing `url:` (http(s)://, tcp://host:port, tls://host:port or dns://server/name)");
            return null;
        }

        var urlNode = map["url"]!;
        if (!Uri.TryCreate(urlText, UriKind.Absolute, out var url) || KindOf(url.Scheme) is not { } kind)
        {
            r.Error(urlNode, $"check '{name}': `url` '{urlText}' must be http(s)://…, tcp://host:port, tls://host:port or dns://server/name");
            return null;
        }

        if (kind is CheckKind.Tcp or CheckKind.Tls && url.Port <= 0)
        {
            r.Error(urlNode, $"check '{name}': {url.Scheme}:// needs a port, e.g. {url.Scheme}://{url.Host}:443");
        }

        if (kind == CheckKind.Dns && url.AbsolutePath.Trim('/').Length == 0)
        {
            r.Error(urlNode, $"check '{name}': dns:// needs the name to ask for, e.g. dns://127.0.0.1/example.org");
        }

        var c = new CheckConfig { Name = name, Url = url, Kind = kind, Source = $"{file}:{Math.Max(1, key.Start.Line)}:{Math.Max(1, key.Start.Column)}" };
        var interval = r.Duration(map, "interval", TimeSpan.FromMilliseconds(100)) ?? c.Interval;
        var timeout = r.Duration(map, "timeout", TimeSpan.FromMilliseconds(10)) ?? (interval < c.Timeout ? interval : c.Timeout);
        c = c with
        {
            Interval = interval,
            Timeout = timeout,
            Method = (r.Scalar(map, "method") ?? "GET").ToUpperInvariant(),
            Headers = r.Pairs(map, "headers") ?? c.Headers,
            Body = r.Scalar(map, "body"),
            Insecure = r.Bool(map, "insecure") ?? false,
            FailureThreshold = r.Int(map, "failure-threshold", 1, 1000) ?? c.FailureThreshold,
            SuccessThreshold = r.Int(map, "success-threshold", 1, 1000) ?? c.SuccessThreshold,
            Severity = ReadSeverity(r, map) ?? c.Severity,
            Labels = r.Pairs(map, "labels") ?? c.Labels,
            Runbook = r.Scalar(map, "runbook"),
            Public = r.Bool(map, "public") ?? true,
        };

        if (r.AsMapping(map["dns"], "`dns:`") is { } dns)
        {
            r.CheckKeys(dns, ["query-type"], "`dns:`");
            c = c with { DnsQueryType = (r.Scalar(dns, "query-type") ?? "A").ToUpperInvariant() };
        }

        if (map["conditions"] is { } conditions)
        {
            c = c with { Conditions = ReadConditions(r, conditions) };
        }
        else
        {
            var fallback = kind == CheckKind.Http ? "[STATUS] < 400" : kind == CheckKind.Dns ? "[DNS_RCODE] == NOERROR" : "[CONNECTED] == true";
            c = c with { Conditions = [new CheckCondition(ConditionParser.Parse(fallback).Condition!, false)] };
        }

        if (map["maintenance"] is { } maintenance)
        {
            c = c with { Maintenance = ReadMaintenance(r, maintenance) };
        }

        if (r.List(map, "from") is { } from)
        {
            foreach (var n in from.Where(f => f.Value is not (CheckConfig.Local or CheckConfig.Workers)))
            {
                r.Error(n, $"`from` takes local and/or workers, not '{n.Value}'");
            }

            if (from.IsEmpty)
            {
                r.Error(map["from"], "`from` needs local, workers or both (an empty list would check nothing)");
            }

            c = c with { From = [.. from.Select(f => f.Value).Distinct()] };
        }

        c = c with { Quorum = r.Int(map, "quorum", 1, 1000) ?? (c.RunsOnWorkers ? 2 : 1) };
        return c;
    }

    private static ImmutableArray<CheckCondition> ReadConditions(YamlReader r, YamlNode node)
    {
        var items = r.Items(node, "`conditions` must be a list, e.g. - \"[STATUS] == 200\"");

        var list = ImmutableArray.CreateBuilder<CheckCondition>();
        foreach (var item in items)
        {
            var degraded = false;
            var textNode = item as YamlScalar;
            if (item is YamlMapping m)
            {
                r.CheckKeys(m, ["condition", "degraded-only"], "a condition");
                degraded = r.Bool(m, "degraded-only") ?? false;
                textNode = m["condition"] as YamlScalar;
                if (textNode is null)
                {
                    r.Error(m, "a condition written as a mapping needs `condition:` (and may have `degraded-only: true`)");
                    continue;
                }
            }

            if (textNode is null)
            {
                r.Error(item, "a condition is a string such as \"[STATUS] == 200\"");
                continue;
            }

            var (condition, error) = ConditionParser.Parse(textNode.Value ?? "");
            if (error is not null)
            {
                // The column points inside the condition: past the opening quote when it is quoted.
                var quote = textNode.IsPlain ? 0 : 1;
                r.Error(textNode.Start with { Column = textNode.Start.Column + quote + error.Offset }, $"condition \"{textNode.Value}\": {error.Message}");
                continue;
            }

            list.Add(new CheckCondition(condition!, degraded));
        }

        if (list.Count > 0 && list.All(c => c.DegradedOnly))
        {
            r.Error(node, "every condition is degraded-only: a check needs at least one condition that decides down");
        }

        return list.ToImmutable();
    }

    private static ImmutableArray<MaintenanceWindow> ReadMaintenance(YamlReader r, YamlNode node)
    {
        var items = node is YamlSequence seq ? seq.Items.ToList() : [node];
        var list = ImmutableArray.CreateBuilder<MaintenanceWindow>();
        foreach (var item in items)
        {
            if (r.AsMapping(item, "a maintenance window ({start, duration, every, timezone})") is not { } m)
            {
                continue;
            }

            r.CheckKeys(m, ["start", "duration", "every", "timezone"], "a maintenance window");
            var startText = r.Scalar(m, "start");
            if (startText is null || !TimeOnly.TryParseExact(startText, ["HH:mm", "H:mm"], System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var start))
            {
                r.Error(m["start"] ?? m, "a maintenance window needs `start: HH:MM` (24-hour clock)");
                continue;
            }

            var duration = r.Duration(m, "duration", TimeSpan.FromMinutes(1));
            if (duration is null)
            {
                r.Error(m["duration"] ?? m, "a maintenance window needs `duration:` (e.g. 1h)");
                continue;
            }

            var days = ImmutableArray.CreateBuilder<DayOfWeek>();
            foreach (var n in r.List(m, "every") ?? [])
            {
                var v = n.Value;
                var i = Array.FindIndex(Days, d => v.StartsWith(d, StringComparison.OrdinalIgnoreCase));
                if (i < 0 || v.Length > 3 && !Enum.GetName((DayOfWeek)i)!.Equals(v, StringComparison.OrdinalIgnoreCase))
                {
                    r.Error(n, $"`every` takes days Mon..Sun, not '{v}'");
                    continue;
                }

                days.Add((DayOfWeek)i);
            }

            var zone = TimeZoneInfo.Utc;
            if (r.Scalar(m, "timezone") is { } tz)
            {
                if (!TimeZoneInfo.TryFindSystemTimeZoneById(tz, out var found))
                {
                    r.Error(m["timezone"], $"unknown time zone '{tz}' (use an IANA name such as Europe/Berlin)");
                    continue;
                }

                zone = found;
            }

            list.Add(new MaintenanceWindow(start, duration.Value, days.ToImmutable(), zone));
        }

        return list.ToImmutable();
    }

    private static ImmutableDictionary<string, AlertKindSettings> ReadAlertKinds(YamlReader r, YamlMapping map)
    {
        var b = ImmutableDictionary.CreateBuilder<string, AlertKindSettings>(StringComparer.Ordinal);
        foreach (var (k, v) in map.Entries)
        {
            var kind = (k as YamlScalar)?.Value ?? "";
            if (!AlertKindSettings.KindSeverities.ContainsKey(kind))
            {
                var hint = AlertKindSettings.KindSeverities.Keys.OrderBy(x => Suggestions.Distance(x, kind)).First();
                r.Error(k, $"unknown alert kind '{kind}'; did you mean '{hint}'? (kinds: {string.Join(", ", AlertKindSettings.KindSeverities.Keys)})");
                continue;
            }

            if (r.AsMapping(v, $"`alerts.{kind}`") is not { } m)
            {
                continue;
            }

            r.CheckKeys(m, ["enabled", "severity", "runbook", "after", "below", "objective"], $"`alerts.{kind}`");
            var s = AlertKindSettings.Defaults(kind);
            s = s with
            {
                Enabled = r.Bool(m, "enabled") ?? true,
                Severity = ReadSeverity(r, m) ?? s.Severity,
                Runbook = r.Scalar(m, "runbook"),
                After = r.Duration(m, "after") ?? s.After,
            };
            foreach (var key in (ReadOnlySpan<string>)["below", "objective"])
            {
                if (r.Scalar(m, key) is { } p)
                {
                    if (Units.TryParsePercent(p, out var f) && f > 0 && f < 1)
                    {
                        s = s with { Threshold = f };
                    }
                    else
                    {
                        r.Error(m[key], $"`{key}` must be a share between 0 and 100%, e.g. 99.9%, not '{p}'");
                    }
                }
            }

            b[kind] = s;
        }

        return b.ToImmutable();
    }

    internal static string? ReadSeverity(YamlReader r, YamlMapping map)
    {
        if (r.Scalar(map, "severity") is not { } s)
        {
            return null;
        }

        if (s is "critical" or "warning" or "info")
        {
            return s;
        }

        r.Error(map["severity"], $"`severity` must be critical, warning or info, not '{s}'");
        return null;
    }

    internal static CheckKind? KindOf(string scheme) => scheme switch
    {
        "http" or "https" => CheckKind.Http,
        "tcp" => CheckKind.Tcp,
        "tls" => CheckKind.Tls,
        "dns" => CheckKind.Dns,
        _ => null,
    };

    internal static bool NameOk(string name) =>
        name.Length is > 0 and <= 100 && name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.' or '/');
}
