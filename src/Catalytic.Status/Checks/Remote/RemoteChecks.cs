using System.Collections.Immutable;
using Catalytic.Contracts.Workers;
using Catalytic.Status.Checks.Probes;
using Catalytic.Status.Config;

namespace Catalytic.Status.Checks.Remote;

/// <summary>
/// The worker protocol's checks, both ways: a `from: [workers]` check as a worker probes it (never its conditions:
/// the server judges), and a worker's probe report read back into a <see cref="ProbeResult"/>. Both directions check
/// what they read, field by field, because each side is the other's untrusted input.
/// </summary>
public static class RemoteChecks
{
    /// <summary>How often a worker asks again which checks to run.</summary>
    public static readonly TimeSpan Refresh = TimeSpan.FromSeconds(30);

    /// <summary>The largest probe report a worker may send (the body's 1 MiB, JSON-escaped, and the rest).</summary>
    public const int MaxReportBytes = (6 * HttpProbe.MaxBody) + (64 * 1024);

    private static readonly HashSet<string> Rcodes = new(StringComparer.Ordinal) { "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE" };

    /// <summary>The checks of <paramref name="config"/> that run from workers, as they travel.</summary>
    public static WorkerChecksView View(StatusConfig config) =>
        new([.. config.Checks.Where(c => c.RunsOnWorkers).Select(ToView)], Refresh.TotalSeconds);

    /// <summary>One check as a worker probes it.</summary>
    public static WorkerCheckView ToView(CheckConfig c) =>
        new(c.Name, c.Url.ToString(), c.Interval.TotalSeconds, c.Timeout.TotalSeconds, c.Method, c.Headers, c.Body, c.Insecure, c.DnsQueryType);

    /// <summary>The check a worker probes from <paramref name="v"/>; null and why when the server sent something unusable.</summary>
    public static CheckConfig? FromView(WorkerCheckView v, out string? why)
    {
        why = null;
        if (v.Name is null || !StatusConfigParser.NameOk(v.Name))
        {
            why = $"a check's name '{Cut(v.Name ?? "", 100)}' is not a check name";
        }
        else if (!Uri.TryCreate(v.Url, UriKind.Absolute, out var url) || StatusConfigParser.KindOf(url.Scheme) is not { } kind)
        {
            why = $"check '{v.Name}': '{Cut(v.Url ?? "", 200)}' is not an http(s)://, tcp://, tls:// or dns:// URL";
        }
        else if (!double.IsFinite(v.IntervalSeconds) || v.IntervalSeconds is < 0.1 or > 86_400 || !double.IsFinite(v.TimeoutSeconds) || v.TimeoutSeconds <= 0 || v.TimeoutSeconds > v.IntervalSeconds)
        {
            why = $"check '{v.Name}': the interval must be 100ms to 1d and the timeout more than 0 and at most the interval";
        }
        else
        {
            return new CheckConfig
            {
                Name = v.Name,
                Url = url,
                Kind = kind,
                Interval = TimeSpan.FromSeconds(v.IntervalSeconds),
                Timeout = TimeSpan.FromSeconds(v.TimeoutSeconds),
                Method = string.IsNullOrEmpty(v.Method) ? "GET" : v.Method,
                Headers = (v.Headers ?? ImmutableSortedDictionary<string, string>.Empty).ToImmutableSortedDictionary(StringComparer.OrdinalIgnoreCase),
                Body = v.Body,
                Insecure = v.Insecure,
                DnsQueryType = string.IsNullOrEmpty(v.DnsQueryType) ? "A" : v.DnsQueryType,
                From = [CheckConfig.Workers],
            };
        }

        return null;
    }

    /// <summary>A probe as a worker reports it.</summary>
    public static WorkerProbeBody ToBody(string worker, string check, ProbeResult p) =>
        new(worker, check, p.Status, p.ResponseTime.TotalMilliseconds, p.Body, p.Connected, p.CertificateExpiration?.TotalSeconds, p.DnsRcode, p.Ip, p.Error);

    /// <summary>
    /// The probe a worker reported; null with the field at fault and why when a value is out of what a probe can see
    /// (a status that is no HTTP status, a negative or endless time, a body over the probes' 1 MiB…). Whether the worker
    /// and the check may report is <c>StatusService.ObserveRemoteAsync</c>'s to say.
    /// </summary>
    public static ProbeResult? Read(WorkerProbeBody b, out string field, out string why)
    {
        (field, why) = ("", "");
        if (b.Worker is null || b.Check is null)
        {
            (field, why) = (b.Worker is null ? "worker" : "check", "worker and check are required");
        }
        else if (b.Status is { } s && s is < 100 or > 599)
        {
            (field, why) = ("status", $"{s} is no HTTP status (100 to 599)");
        }
        else if (!double.IsFinite(b.ResponseTimeMs) || b.ResponseTimeMs < 0 || b.ResponseTimeMs > 86_400_000)
        {
            (field, why) = ("responseTimeMs", "the response time is 0 to 86400000 ms");
        }
        else if (b.Body is { Length: > HttpProbe.MaxBody })
        {
            (field, why) = ("body", $"a probe reads at most {HttpProbe.MaxBody} characters of a body, not {b.Body.Length}");
        }
        else if (b.CertificateExpiresInSeconds is { } left && (!double.IsFinite(left) || Math.Abs(left) > 100 * 366 * 86_400d))
        {
            (field, why) = ("certificateExpiresInSeconds", "the certificate's time left is a number of seconds within 100 years");
        }
        else if (b.DnsRcode is { } rcode && !Rcodes.Contains(rcode))
        {
            (field, why) = ("dnsRcode", $"'{Cut(rcode, 20)}' is not a DNS response code ({string.Join(", ", Rcodes.Order(StringComparer.Ordinal))})");
        }
        else if (b.Ip is { Length: > 100 })
        {
            (field, why) = ("ip", "an address is at most 100 characters");
        }
        else if (b.Error is { Length: > 4096 })
        {
            (field, why) = ("error", "an error is at most 4096 characters");
        }
        else
        {
            return new ProbeResult
            {
                Status = b.Status,
                ResponseTime = TimeSpan.FromMilliseconds(b.ResponseTimeMs),
                Body = b.Body,
                Connected = b.Connected,
                CertificateExpiration = b.CertificateExpiresInSeconds is { } c ? TimeSpan.FromSeconds(c) : null,
                DnsRcode = b.DnsRcode,
                Ip = b.Ip,
                Error = b.Error,
            };
        }

        return null;
    }

    internal static string Cut(string s, int n) => s.Length > n ? s[..n] + "…" : s;
}
