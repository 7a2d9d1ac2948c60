using System.Collections.Immutable;
using System.Text.Json;
using System.Text.RegularExpressions;
using Catalytic.Status.Config;
using Catalytic.Status.Contracts;
using Catalytic.Status.Notifications;
using Catalytic.Status.Storage;

namespace Catalytic.Status.Alerts;

/// <summary>
/// Alertmanager's dispatcher over the <see cref="AlertBook"/>: each alert walks the routing tree (first match wins
/// unless `continue`; a matching route's children are tried first), lands in a group (route + group-by labels), and a
/// group is flushed group-wait after it appears, then at most every group-interval, and an unchanged firing group
/// again after repeat-interval. Silences, inhibition and maintenance windows mute alerts. What was sent is kept in the
/// store's notification log, written with the outbox messages in one transaction — so a restart neither loses nor
/// repeats a notification. Critical alerts not acknowledged within a route's escalate-after go to the next channel
/// of its escalation chain. Time comes from the injected clock; <see cref="TickAsync"/> does one pass.
/// </summary>
public sealed class AlertDispatcher(Func<StatusConfig> config, IStatusStore store, AlertBook book, TimeProvider time)
{
    private readonly Dictionary<(string Route, string Group), DateTimeOffset> _nextFlush = [];
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Notifications queued (per channel message) since start, for /metrics.</summary>
    public long Queued { get; private set; }

    /// <summary>One pass: flushes every group that is due and sends every escalation that is due.</summary>
    public async Task TickAsync(CancellationToken ct = default)
    {
        await _gate.WaitAsync(ct);
        try
        {
            var cfg = config();
            var now = time.GetUtcNow();
            var alerts = book.Alerts.Values.OrderBy(a => a.StartsAt).ThenBy(a => a.Fingerprint, StringComparer.Ordinal).ToList();
            var muted = Muted(alerts, book.Silences, cfg.Inhibit, now);
            var groups = new Dictionary<(string Route, string Group), (RouteConfig Route, Dictionary<string, string> Labels, List<Alert> Alerts)>();
            foreach (var alert in alerts)
            {
                foreach (var route in Match(cfg.Routes, alert.Labels))
                {
                    var labels = GroupLabels(route, alert.Labels);
                    var key = (route.Key, GroupKey(labels));
                    if (!groups.TryGetValue(key, out var g))
                    {
                        groups[key] = g = (route, labels, []);
                    }

                    g.Alerts.Add(alert);
                }
            }

            foreach (var stale in _nextFlush.Keys.Where(k => !groups.ContainsKey(k)).ToList())
            {
                _nextFlush.Remove(stale);
            }

            foreach (var (key, (route, labels, members)) in groups)
            {
                if (!_nextFlush.TryGetValue(key, out var due))
                {
                    _nextFlush[key] = due = now + route.GroupWait;
                }

                if (now < due)
                {
                    continue;
                }

                await FlushAsync(cfg, route, key.Group, labels, members, muted, now, ct);
                _nextFlush[key] = now + route.GroupInterval;
            }

            await EscalateAsync(cfg, alerts, muted, now, ct);
            book.Forget();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>When the next group is due (for the loop's timer); null when none waits.</summary>
    public DateTimeOffset? NextDue => _nextFlush.Count == 0 ? null : _nextFlush.Values.Min();

    /// <summary>The leaf routes an alert with <paramref name="labels"/> reaches, in order.</summary>
    public static IReadOnlyList<RouteConfig> Match(ImmutableArray<RouteConfig> routes, IReadOnlyDictionary<string, string> labels)
    {
        var found = new List<RouteConfig>();
        foreach (var route in routes)
        {
            if (!Matches(route, labels))
            {
                continue;
            }

            var children = Match(route.Routes, labels);
            if (children.Count > 0)
            {
                found.AddRange(children);
            }
            else
            {
                found.Add(route);
            }

            if (!route.Continue)
            {
                break;
            }
        }

        return found;
    }

    private static bool Matches(RouteConfig route, IReadOnlyDictionary<string, string> labels) =>
        route.Match.All(m => labels.TryGetValue(m.Key, out var v) && v == m.Value) &&
        route.MatchRe.All(m => Regex.IsMatch(labels.TryGetValue(m.Key, out var v) ? v : "", "^(?:" + m.Value + ")$", RegexOptions.None, TimeSpan.FromMilliseconds(100)));

    /// <summary>Fingerprints of alerts that must not be notified now: in maintenance, silenced, or inhibited by a firing source alert.</summary>
    public static HashSet<string> Muted(IReadOnlyList<Alert> alerts, ImmutableArray<Silence> silences, ImmutableArray<InhibitRule> rules, DateTimeOffset now)
    {
        var muted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var a in alerts)
        {
            if (a.InMaintenance || silences.Any(s => s.Mutes(a, now)))
            {
                muted.Add(a.Fingerprint);
            }
        }

        foreach (var rule in rules)
        {
            var sources = alerts.Where(a => a.Firing && !muted.Contains(a.Fingerprint) && rule.Source.All(m => a.Labels.GetValueOrDefault(m.Key) == m.Value)).ToList();
            foreach (var target in alerts.Where(a => rule.Target.All(m => a.Labels.GetValueOrDefault(m.Key) == m.Value)))
            {
                // An alert never inhibits itself (a critical source that also matches the target side).
                if (sources.Any(s => s.Fingerprint != target.Fingerprint && rule.Equal.All(l => s.Labels.GetValueOrDefault(l) == target.Labels.GetValueOrDefault(l))))
                {
                    muted.Add(target.Fingerprint);
                }
            }
        }

        return muted;
    }

    private async Task FlushAsync(StatusConfig cfg, RouteConfig route, string group, Dictionary<string, string> labels, List<Alert> members, HashSet<string> muted, DateTimeOffset now, CancellationToken ct)
    {
        var firing = members.Where(a => a.Firing && !muted.Contains(a.Fingerprint)).ToList();
        var resolved = members.Where(a => !a.Firing).ToList();
        var messages = new List<OutboxMessage>();
        var log = new List<NotificationLogEntry>();
        foreach (var channel in route.To)
        {
            var last = await store.GetLogAsync(route.Key, group, channel, ct);
            var firingKeys = firing.Select(a => a.Fingerprint).ToImmutableArray();
            // Only what people were told was firing is reported resolved.
            var newlyResolved = resolved.Where(a => last is not null && last.Firing.Contains(a.Fingerprint)).ToList();
            var resolvedKeys = newlyResolved.Select(a => a.Fingerprint).ToImmutableArray();
            var changed = last is null
                ? firing.Count > 0
                : firingKeys.Except(last.Firing).Any() || (route.SendResolved && newlyResolved.Count > 0)
                  || (firing.Count > 0 && now >= last.SentAt + route.RepeatInterval && firing.Any(a => a.AckedBy is null));
            if (!changed)
            {
                if (last is not null && firing.Count == 0 && last.Firing.Length > 0 && !route.SendResolved)
                {
                    log.Add(last with { Firing = [], Resolved = resolvedKeys, SentAt = now });
                }

                continue;
            }

            var shown = firing.Concat(route.SendResolved ? newlyResolved : []).ToList();
            if (shown.Count == 0)
            {
                continue;
            }

            var kind = firing.Count > 0 ? "firing" : "resolved";
            var n = Build(cfg, kind, channel, $"{route.Key}:{group}", labels, shown);
            messages.Add(Outbox(channel, kind, n, now));
            log.Add(new NotificationLogEntry(route.Key, group, channel, firingKeys, resolvedKeys, now));
        }

        if (messages.Count > 0 || log.Count > 0)
        {
            await store.EnqueueAsync(messages, log, ct);
            Queued += messages.Count;
        }
    }

    private async Task EscalateAsync(StatusConfig cfg, List<Alert> alerts, HashSet<string> muted, DateTimeOffset now, CancellationToken ct)
    {
        foreach (var alert in alerts.Where(a => a.Firing && a.AckedBy is null && a.Severity == "critical" && !muted.Contains(a.Fingerprint)))
        {
            foreach (var route in Match(cfg.Routes, alert.Labels).Where(r => r.EscalateAfter is not null && !r.EscalateTo.IsEmpty))
            {
                var due = (int)Math.Min(route.EscalateTo.Length, Math.Floor((now - alert.StartsAt) / route.EscalateAfter!.Value));
                if (due <= alert.EscalationStep)
                {
                    continue;
                }

                var messages = new List<OutboxMessage>();
                for (var step = alert.EscalationStep; step < due; step++)
                {
                    var channel = route.EscalateTo[step];
                    var n = Build(cfg, "escalation", channel, $"{route.Key}:escalation:{alert.Fingerprint}", new Dictionary<string, string>(alert.Labels), [alert]);
                    messages.Add(Outbox(channel, "escalation", n with { Title = $"[ESCALATED {step + 1}/{route.EscalateTo.Length}] {n.Title}" }, now));
                }

                // Queued before the step is recorded: a crash in between pages the next person twice rather than never.
                await store.EnqueueAsync(messages, [], ct);
                await book.SetEscalationAsync(alert.Fingerprint, due, ct);
                Queued += messages.Count;
                break;
            }
        }
    }

    private static Notification Build(StatusConfig cfg, string kind, string channel, string groupKey, IReadOnlyDictionary<string, string> groupLabels, IReadOnlyList<Alert> alerts)
    {
        var common = alerts.Count == 0 ? new Dictionary<string, string>()
            : alerts[0].Labels.Where(l => alerts.All(a => a.Labels.GetValueOrDefault(l.Key) == l.Value)).ToDictionary(l => l.Key, l => l.Value, StringComparer.Ordinal);
        var firing = alerts.Count(a => a.Firing);
        var title = (firing > 0 ? $"[FIRING:{firing}] " : "[RESOLVED] ")
            + (alerts.Count == 1 ? alerts[0].Summary : string.Join(" ", groupLabels.Values.DefaultIfEmpty(alerts[0].Name)));
        return new Notification(kind, title, channel, groupKey, groupLabels, common,
            [.. alerts.Select(a => new NotifiedAlert(a.Id, a.Firing ? "firing" : "resolved", a.Labels, a.Annotations, a.StartsAt, a.EndsAt, a.Fingerprint))],
            cfg.DashboardUrl?.ToString());
    }

    private static OutboxMessage Outbox(string channel, string kind, Notification n, DateTimeOffset now) =>
        new(0, channel, kind, n.Title, JsonSerializer.Serialize(n, StatusJson.Default.Notification), now, now, 0, OutboxState.Pending, null, null);

    private static Dictionary<string, string> GroupLabels(RouteConfig route, IReadOnlyDictionary<string, string> labels) =>
        route.GroupBy.Contains("...")
            ? new Dictionary<string, string>(labels, StringComparer.Ordinal)
            : route.GroupBy.Where(labels.ContainsKey).ToDictionary(l => l, l => labels[l], StringComparer.Ordinal);

    private static string GroupKey(Dictionary<string, string> labels) =>
        "{" + string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}=\"{l.Value}\"")) + "}";
}
