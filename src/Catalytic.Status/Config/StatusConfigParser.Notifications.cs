using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Catalytic.Platform.Text;
using Catalytic.Platform.Yaml;
using Catalytic.Status.Notifications;

namespace Catalytic.Status.Config;

/// <summary>`notifications:` — channels, the routing tree, inhibition rules and reports.</summary>
public static partial class StatusConfigParser
{
    private static readonly string[] RouteKeys =
        ["match", "match-re", "to", "group-by", "group-wait", "group-interval", "repeat-interval", "send-resolved", "continue", "escalate-after", "escalate-to", "routes"];

    private static StatusConfig ReadNotifications(YamlReader r, YamlMapping map, StatusConfig c)
    {
        r.CheckKeys(map, ["channels", "routes", "inhibit", "reports"], "`notifications:`");
        var channels = ImmutableDictionary.CreateBuilder<string, ChannelConfig>(StringComparer.Ordinal);
        if (r.AsMapping(map["channels"], "`channels:` (a mapping of channel names)") is { } chans)
        {
            foreach (var (k, v) in chans.Entries)
            {
                var name = (k as YamlScalar)?.Value ?? "";
                if (!NameOk(name))
                {
                    r.Error(k, $"channel name '{name}' must be letters, digits, '-', '_' or '.'");
                }

                if (r.AsMapping(v, $"channel '{name}'") is { } m && ReadChannel(r, name, m) is { } channel)
                {
                    channels[name] = channel;
                }
            }
        }

        c = c with { Channels = channels.ToImmutable() };
        if (map["routes"] is { } routes)
        {
            c = c with { Routes = ReadRoutes(r, routes, "", c.Channels) };
        }

        if (map["inhibit"] is YamlSequence inhibit)
        {
            var rules = ImmutableArray.CreateBuilder<InhibitRule>();
            rules.Add(InhibitRule.EnvironmentDown);
            foreach (var item in inhibit.Items)
            {
                if (r.AsMapping(item, "an inhibition rule ({source, target, equal})") is not { } m)
                {
                    continue;
                }

                r.CheckKeys(m, ["source", "target", "equal"], "an inhibition rule");
                var source = r.Pairs(m, "source");
                var target = r.Pairs(m, "target");
                if (source is null || target is null)
                {
                    r.Error(m, "an inhibition rule needs `source:` and `target:` label matchers");
                    continue;
                }

                rules.Add(new InhibitRule(source, target, [.. (r.List(m, "equal") ?? []).Select(e => e.Value)]));
            }

            c = c with { Inhibit = rules.ToImmutable() };
        }
        else if (map["inhibit"] is { } bad)
        {
            r.Error(bad, "`inhibit` must be a list of {source, target, equal}");
        }

        if (map["reports"] is { } reports)
        {
            c = c with { Reports = ReadReports(r, reports, c.Channels) };
        }

        return c;
    }

    private static ChannelConfig? ReadChannel(YamlReader r, string name, YamlMapping map)
    {
        r.CheckKeys(map, ["slack", "email", "webhook"], $"channel '{name}'");
        if (map.Entries.Length != 1)
        {
            r.Error(map, $"channel '{name}' must be exactly one of slack:, email: or webhook:");
            return null;
        }

        var c = new ChannelConfig { Name = name };
        if (r.AsMapping(map["slack"], "`slack:`") is { } slack)
        {
            r.CheckKeys(slack, ["webhook-url", "webhook-url-secret"], "`slack:`");
            var url = r.Scalar(slack, "webhook-url");
            var secret = SecretName(r, slack, "webhook-url-secret");
            if ((url is null) == (secret is null))
            {
                r.Error(slack, $"channel '{name}': give `webhook-url:` or `webhook-url-secret:` (the name of a secret holding it), one of them");
                return null;
            }

            if (url is not null && !IsHttpUrl(url))
            {
                r.Error(slack["webhook-url"], $"channel '{name}': `webhook-url` must be an http(s) address");
                return null;
            }

            return c with { Slack = new SlackChannelConfig(url, secret) };
        }

        if (r.AsMapping(map["email"], "`email:`") is { } email)
        {
            r.CheckKeys(email, ["host", "port", "tls", "from", "to", "username", "password-secret"], "`email:`");
            if (email["password"] is { } pw)
            {
                r.Error(pw, "`password:` is not allowed in catalytic.yml; store it as a secret and name it with `password-secret:`");
            }

            var host = r.Scalar(email, "host");
            var from = r.Scalar(email, "from");
            var to = r.List(email, "to") ?? [];
            var tlsText = r.Scalar(email, "tls") ?? "starttls";
            SmtpTls? tls = tlsText switch { "none" => SmtpTls.None, "starttls" => SmtpTls.StartTls, "tls" => SmtpTls.Tls, _ => null };
            if (tls is null)
            {
                r.Error(email["tls"], $"`tls` must be none, starttls or tls, not '{tlsText}'");
            }

            if (host is null || from is null || to.IsEmpty)
            {
                r.Error(email, $"channel '{name}': email needs `host:`, `from:` and `to:`");
                return null;
            }

            foreach (var (addr, node) in to.Select(t => (t.Value, (YamlNode)t)).Append((from, email["from"]!)))
            {
                if (!MimeKit.MailboxAddress.TryParse(addr, out _))
                {
                    r.Error(node, $"'{addr}' is not an email address");
                }
            }

            var port = r.Int(email, "port", 1, 65535) ?? (tls == SmtpTls.Tls ? 465 : tls == SmtpTls.None ? 25 : 587);
            return c with { Email = new EmailChannelConfig(host, port, tls ?? SmtpTls.StartTls, from, [.. to.Select(t => t.Value)], r.Scalar(email, "username"), SecretName(r, email, "password-secret")) };
        }

        if (r.AsMapping(map["webhook"], "`webhook:`") is { } hook)
        {
            r.CheckKeys(hook, ["url", "format", "secret"], "`webhook:`");
            var url = r.Scalar(hook, "url");
            var format = r.Scalar(hook, "format") ?? "alertmanager";
            if (url is null || !IsHttpUrl(url))
            {
                r.Error(hook["url"] ?? hook, $"channel '{name}': webhook needs `url:` (an http(s) address)");
                return null;
            }

            if (format is not ("alertmanager" or "catalytic"))
            {
                r.Error(hook["format"], $"`format` must be alertmanager (version-4 payload) or catalytic, not '{format}'");
            }

            return c with { Webhook = new WebhookChannelConfig(url, format, SecretName(r, hook, "secret")) };
        }

        return null;
    }

    private static ImmutableArray<RouteConfig> ReadRoutes(YamlReader r, YamlNode node, string prefix, ImmutableDictionary<string, ChannelConfig> channels)
    {
        var items = r.Items(node, "`routes` must be a list of routes ({match, to, …})");

        var list = ImmutableArray.CreateBuilder<RouteConfig>();
        for (var i = 0; i < items.Length; i++)
        {
            if (r.AsMapping(items[i], "a route") is not { } m)
            {
                continue;
            }

            r.CheckKeys(m, RouteKeys, "a route");
            var key = prefix.Length == 0 ? i.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{prefix}.{i}";
            var route = new RouteConfig { Key = key };
            var to = r.List(m, "to") ?? [];
            var escalateTo = r.List(m, "escalate-to") ?? [];
            foreach (var n in to.Concat(escalateTo))
            {
                var ch = n.Value;
                if (!channels.ContainsKey(ch))
                {
                    var hint = channels.Keys.OrderBy(k => Suggestions.Distance(k, ch)).FirstOrDefault();
                    r.Error(n, $"no channel '{ch}' under notifications.channels" + (hint is null ? "" : $"; did you mean '{hint}'?"));
                }
            }

            var matchRe = r.Pairs(m, "match-re") ?? route.MatchRe;
            foreach (var (label, pattern) in matchRe)
            {
                try
                {
                    _ = new Regex("^(?:" + pattern + ")$", RegexOptions.None, TimeSpan.FromMilliseconds(100));
                }
                catch (ArgumentException e)
                {
                    r.Error(m["match-re"], $"`match-re.{label}` is not a regular expression: {e.Message}");
                }
            }

            route = route with
            {
                Match = r.Pairs(m, "match") ?? route.Match,
                MatchRe = matchRe,
                To = [.. to.Select(t => t.Value)],
                GroupBy = r.List(m, "group-by") is { } g ? [.. g.Select(x => x.Value)] : route.GroupBy,
                GroupWait = r.Duration(m, "group-wait") ?? route.GroupWait,
                // Alertmanager's 5 m batches alerts into a group; with the default group-by [...] every alert is its own
                // group, and the interval only delays its resolved message, so it defaults to 10 s there.
                GroupInterval = r.Duration(m, "group-interval", TimeSpan.FromSeconds(1))
                    ?? (r.List(m, "group-by") is { } gb && !gb.Any(x => x.Value == "...") ? route.GroupInterval : TimeSpan.FromSeconds(10)),
                RepeatInterval = r.Duration(m, "repeat-interval", TimeSpan.FromSeconds(1)) ?? route.RepeatInterval,
                SendResolved = r.Bool(m, "send-resolved") ?? true,
                Continue = r.Bool(m, "continue") ?? false,
                EscalateAfter = r.Duration(m, "escalate-after", TimeSpan.FromSeconds(1)),
                EscalateTo = [.. escalateTo.Select(t => t.Value)],
            };
            if (route.EscalateAfter is not null && route.EscalateTo.IsEmpty)
            {
                r.Error(m["escalate-after"], "`escalate-after` needs `escalate-to:` (the channels of each escalation step, in order)");
            }

            if (m["routes"] is { } children)
            {
                route = route with { Routes = ReadRoutes(r, children, key, channels) };
            }

            list.Add(route);
        }

        return list.ToImmutable();
    }

    private static ImmutableArray<ReportConfig> ReadReports(YamlReader r, YamlNode node, ImmutableDictionary<string, ChannelConfig> channels)
    {
        var items = r.Items(node, "`reports` must be a list of {every, at, to}");

        var list = ImmutableArray.CreateBuilder<ReportConfig>();
        foreach (var item in items)
        {
            if (r.AsMapping(item, "a report") is not { } m)
            {
                continue;
            }

            r.CheckKeys(m, ["name", "every", "at", "day", "timezone", "to"], "a report");
            var every = r.Scalar(m, "every") ?? "daily";
            if (every is not ("daily" or "weekly"))
            {
                r.Error(m["every"], $"`every` must be daily or weekly, not '{every}'");
            }

            var at = new TimeOnly(8, 0);
            if (r.Scalar(m, "at") is { } atText && !TimeOnly.TryParseExact(atText, ["HH:mm", "H:mm"], System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out at))
            {
                r.Error(m["at"], $"`at` must be HH:MM, not '{atText}'");
            }

            var day = DayOfWeek.Monday;
            if (r.Scalar(m, "day") is { } dayText)
            {
                var i = Array.FindIndex(Days, d => dayText.StartsWith(d, StringComparison.OrdinalIgnoreCase));
                if (i < 0)
                {
                    r.Error(m["day"], $"`day` must be Mon..Sun, not '{dayText}'");
                }
                else
                {
                    day = (DayOfWeek)i;
                }
            }

            var zone = TimeZoneInfo.Utc;
            if (r.Scalar(m, "timezone") is { } tz && !TimeZoneInfo.TryFindSystemTimeZoneById(tz, out zone!))
            {
                r.Error(m["timezone"], $"unknown time zone '{tz}'");
                zone = TimeZoneInfo.Utc;
            }

            var to = r.List(m, "to") ?? [];
            foreach (var n in to.Where(t => !channels.ContainsKey(t.Value)))
            {
                r.Error(n, $"no channel '{n.Value}' under notifications.channels");
            }

            if (to.IsEmpty)
            {
                r.Error(m, "a report needs `to:` (channels)");
            }

            list.Add(new ReportConfig(r.Scalar(m, "name") ?? every, every == "weekly", at, day, zone, [.. to.Select(t => t.Value)]));
        }

        return list.ToImmutable();
    }

    private static bool IsHttpUrl(string s) => Uri.TryCreate(s, UriKind.Absolute, out var u) && u.Scheme is "http" or "https";

    /// <summary>The name of a secret (a file under the state folder's secrets/, or CATALYTIC_SECRET_NAME): never a path.</summary>
    private static string? SecretName(YamlReader r, YamlMapping map, string key)
    {
        var name = r.Scalar(map, key);
        if (name is not null && !SecretSource.ValidName(name))
        {
            r.Error(map[key], $"`{key}` names a secret: 1-100 letters, digits, '-', '_' or '.', starting with a letter or digit");
            return null;
        }

        return name;
    }
}
