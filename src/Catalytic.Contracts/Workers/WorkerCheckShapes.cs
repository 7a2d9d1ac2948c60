namespace Catalytic.Contracts.Workers;

// Checks run from the workers (`from: [workers]` in catalytic.yml's checks:): the worker asks which checks to probe,
// probes each on its interval and reports what it saw; the server evaluates the conditions and combines the
// locations' verdicts (quorum). docs/status.md, "Several locations, one verdict".

/// <summary>The checks a worker probes, and when to ask again (catalytic.yml may change while the worker runs).</summary>
public sealed record WorkerChecksView(IReadOnlyList<WorkerCheckView> Checks, double RefreshSeconds);

/// <summary>
/// One check as a worker probes it: what to reach and how, never its conditions (the server judges). The request's
/// headers and body are catalytic.yml's as written, so a worker token sees them (as it sees the secrets of its jobs).
/// </summary>
public sealed record WorkerCheckView(
    string Name,
    string Url,
    double IntervalSeconds,
    double TimeoutSeconds,
    string Method,
    IReadOnlyDictionary<string, string> Headers,
    string? Body,
    bool Insecure,
    string DnsQueryType);

/// <summary>
/// What one probe saw (POST to <see cref="WorkerRoutes.CheckResults"/>): the values condition placeholders read. A
/// field the probe kind does not measure is left out.
/// </summary>
/// <param name="Worker">The reporting worker's name (its location in the verdict): 1 to 64 letters, digits, '.', '_', '-'.</param>
/// <param name="Body">At most 1 MiB of the HTTP body, as text.</param>
public sealed record WorkerProbeBody(
    string? Worker,
    string? Check,
    int? Status,
    double ResponseTimeMs,
    string? Body,
    bool Connected,
    double? CertificateExpiresInSeconds,
    string? DnsRcode,
    string? Ip,
    string? Error);
