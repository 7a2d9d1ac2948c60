using Catalytic.Status.Checks;
using Catalytic.Status.Checks.Probes;
using Catalytic.Status.Tests.Support;

namespace Catalytic.Status.Tests.Checks;

public sealed class CheckMonitorTests
{
    [Fact]
    public async Task Thresholds_DownAfterFailureThreshold_UpAfterSuccessThreshold_DegradedBetween()
    {
        await using var h = new AlertingHarness("""
            checks:
              api:
                url: http://127.0.0.1:1/
                failure-threshold: 2
                success-threshold: 2
                conditions: ["[STATUS] == 200", { condition: "[RESPONSE_TIME] < 300", degraded-only: true }]
            """);
        await h.InitializeAsync();
        var monitor = new CheckMonitor(() => h.Config, h.Book, h.Time);
        var check = h.Config.Checks[0];
        async Task<CheckStatus> Probe(int status, int ms) =>
            await monitor.ObserveAsync(check, CheckResult.Evaluate(check, new ProbeResult { Status = status, ResponseTime = TimeSpan.FromMilliseconds(ms) }, h.Time.GetUtcNow()));

        Assert.Equal(CheckStatus.Up, await Probe(200, 10));
        Assert.Equal(CheckStatus.Up, await Probe(500, 10));
        Assert.Equal(CheckStatus.Down, await Probe(500, 10));
        Assert.Equal("check-down", Assert.Single(h.Book.Alerts.Values, a => a.Firing).Name);
        Assert.Equal(CheckStatus.Down, await Probe(200, 10));
        Assert.Equal(CheckStatus.Up, await Probe(200, 10));
        Assert.DoesNotContain(h.Book.Alerts.Values, a => a.Firing);
        Assert.Equal(CheckStatus.Up, await Probe(200, 900));
        Assert.Equal(CheckStatus.Degraded, await Probe(200, 900));
        var degraded = Assert.Single(h.Book.Alerts.Values, a => a.Firing);
        Assert.Equal(("check-degraded", "warning"), (degraded.Name, degraded.Severity));
    }

    [Fact]
    public void Quorum_OneBadLocation_DoesNotMakeItDown()
    {
        Assert.Equal(CheckStatus.Up, CheckTracker.Combine([CheckStatus.Down, CheckStatus.Up, CheckStatus.Up], 2));
        Assert.Equal(CheckStatus.Down, CheckTracker.Combine([CheckStatus.Down, CheckStatus.Down, CheckStatus.Up], 2));
        Assert.Equal(CheckStatus.Degraded, CheckTracker.Combine([CheckStatus.Down, CheckStatus.Degraded, CheckStatus.Up], 2));
    }

    [Fact]
    public async Task Certificate_FiveDaysLeft_FiresACriticalCertificateAlert()
    {
        await using var tls = new TlsTarget(0, TimeSpan.FromDays(5));
        await using var h = new AlertingHarness($"""
            checks:
              cert:
                url: tls://127.0.0.1:{tls.Port}
                conditions: ["[CERTIFICATE_EXPIRATION] > 720h"]
                runbook: https://wiki.example.org/certs
            """);
        await h.InitializeAsync();
        var monitor = new CheckMonitor(() => h.Config, h.Book, TimeProvider.System);
        using var probes = new ProbeSet(TimeProvider.System);
        var check = h.Config.Checks[0];
        await monitor.ObserveAsync(check, CheckResult.Evaluate(check, await probes.ProbeAsync(check, CancellationToken.None), DateTimeOffset.UtcNow));
        var cert = Assert.Single(h.Book.Alerts.Values, a => a.Name == "certificate-expiring");
        Assert.Equal("critical", cert.Severity);
        Assert.StartsWith("the certificate of cert expires in 4d23h", cert.Summary, StringComparison.Ordinal);
        Assert.Equal("https://wiki.example.org/certs", cert.Annotations["runbook"]);
    }

    [Fact]
    public async Task Certificate_TwentyDaysLeft_IsAWarning_AndRenewalResolvesIt()
    {
        await using var h = new AlertingHarness("checks:\n  c:\n    url: tls://127.0.0.1:1\n");
        await h.InitializeAsync();
        var monitor = new CheckMonitor(() => h.Config, h.Book, h.Time);
        var check = h.Config.Checks[0];
        await monitor.ObserveAsync(check, CheckResult.Evaluate(check, new ProbeResult { Connected = true, CertificateExpiration = TimeSpan.FromDays(20) }, h.Time.GetUtcNow()));
        Assert.Equal("warning", Assert.Single(h.Book.Alerts.Values, a => a.Firing).Severity);
        await monitor.ObserveAsync(check, CheckResult.Evaluate(check, new ProbeResult { Connected = true, CertificateExpiration = TimeSpan.FromDays(90) }, h.Time.GetUtcNow()));
        Assert.DoesNotContain(h.Book.Alerts.Values, a => a.Firing);
    }
}
