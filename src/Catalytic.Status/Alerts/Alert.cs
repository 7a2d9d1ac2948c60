using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Catalytic.Status.Alerts;

/// <summary>
/// An alert as Alertmanager models one: identified by its labels (alertname, severity, check/app/environment…), with
/// annotations (summary, description, runbook, link), firing from <see cref="StartsAt"/> until <see cref="EndsAt"/>.
/// Acknowledgement stops its repeats and its escalation.
/// </summary>
public sealed record Alert
{
    /// <summary>Labels, which identify the alert.</summary>
    public required ImmutableSortedDictionary<string, string> Labels { get; init; }

    /// <summary>summary, description, runbook, link.</summary>
    public ImmutableSortedDictionary<string, string> Annotations { get; init; } = ImmutableSortedDictionary<string, string>.Empty;

    /// <summary>When it started firing.</summary>
    public DateTimeOffset StartsAt { get; init; }

    /// <summary>When it resolved; null while firing.</summary>
    public DateTimeOffset? EndsAt { get; init; }

    /// <summary>Last change.</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Who acknowledged it.</summary>
    public string? AckedBy { get; init; }

    /// <summary>When it was acknowledged.</summary>
    public DateTimeOffset? AckedAt { get; init; }

    /// <summary>How many escalation steps have been sent.</summary>
    public int EscalationStep { get; init; }

    /// <summary>Raised inside a maintenance window: recorded, not notified.</summary>
    public bool InMaintenance { get; init; }

    /// <summary>Stable hash of the labels (hex), as Alertmanager's fingerprint.</summary>
    public string Fingerprint => FingerprintOf(Labels);

    /// <summary>The short id people type (`catalytic ack a1b2c3d4`).</summary>
    public string Id => "a" + Fingerprint[..8];

    /// <summary>alertname label.</summary>
    public string Name => Labels.GetValueOrDefault("alertname", "");

    /// <summary>severity label.</summary>
    public string Severity => Labels.GetValueOrDefault("severity", "warning");

    /// <summary>True while firing.</summary>
    public bool Firing => EndsAt is null;

    /// <summary>The summary annotation.</summary>
    public string Summary => Annotations.GetValueOrDefault("summary", Name);

    /// <summary>SHA-256 over the sorted labels, first 16 bytes as hex.</summary>
    public static string FingerprintOf(ImmutableSortedDictionary<string, string> labels)
    {
        var sb = new StringBuilder();
        foreach (var (k, v) in labels)
        {
            sb.Append(k).Append('\u0000').Append(v).Append('\u0001');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString()))[..16]);
    }
}

/// <summary>One label matcher: equality, inequality or an anchored regular expression (Alertmanager's =, !=, =~, !~).</summary>
public sealed record Matcher(string Label, string Op, string Value)
{
    /// <summary>True when <paramref name="labels"/> satisfy it (a missing label reads as empty, as in Alertmanager).</summary>
    public bool Matches(IReadOnlyDictionary<string, string> labels)
    {
        var v = labels.TryGetValue(Label, out var x) ? x : "";
        return Op switch
        {
            "=" => v == Value,
            "!=" => v != Value,
            "=~" => Regex.IsMatch(v, "^(?:" + Value + ")$", RegexOptions.None, TimeSpan.FromMilliseconds(100)),
            _ => !Regex.IsMatch(v, "^(?:" + Value + ")$", RegexOptions.None, TimeSpan.FromMilliseconds(100)),
        };
    }

    /// <summary>Parses <c>label=value</c>, <c>label!=value</c>, <c>label=~regex</c>, <c>label!~regex</c>; null when malformed.</summary>
    public static Matcher? Parse(string text)
    {
        var m = Regex.Match(text, "^\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!~|!=|=)\\s*\"?(.*?)\"?\\s*$");
        if (!m.Success)
        {
            return null;
        }

        var op = m.Groups[2].Value;
        if (op is "=~" or "!~")
        {
            try
            {
                _ = new Regex(m.Groups[3].Value, RegexOptions.None, TimeSpan.FromMilliseconds(100));
            }
            catch (ArgumentException)
            {
                return null;
            }
        }

        return new Matcher(m.Groups[1].Value, op, m.Groups[3].Value);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Label}{Op}{Value}";
}

/// <summary>A silence: alerts matching every matcher are not notified between <see cref="StartsAt"/> and <see cref="EndsAt"/>.</summary>
public sealed record Silence(string Id, ImmutableArray<Matcher> Matchers, DateTimeOffset StartsAt, DateTimeOffset EndsAt, string CreatedBy, string Comment)
{
    /// <summary>True when active at <paramref name="now"/>.</summary>
    public bool ActiveAt(DateTimeOffset now) => now >= StartsAt && now < EndsAt;

    /// <summary>True when active and every matcher holds.</summary>
    public bool Mutes(Alert alert, DateTimeOffset now) => ActiveAt(now) && Matchers.All(m => m.Matches(alert.Labels));
}

/// <summary>A signal asking for an alert to fire (or, with <see cref="Firing"/> false, to resolve).</summary>
public sealed record AlertSignal(ImmutableSortedDictionary<string, string> Labels, ImmutableSortedDictionary<string, string> Annotations, bool Firing, bool InMaintenance = false);
