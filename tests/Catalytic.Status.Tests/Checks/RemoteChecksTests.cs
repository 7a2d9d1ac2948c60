using Catalytic.Contracts.Workers;
using Catalytic.Status.Checks.Probes;
using Catalytic.Status.Checks.Remote;
using Catalytic.Status.Config;
using Catalytic.Status.Signals;
using Catalytic.Status.Tests.Support;

namespace Catalytic.Status.Tests.Checks;

/// <summary>
/// The worker protocol's checks both ways: a worker's probe report is read field by field (each is the server's
/// untrusted input), a check handed to a worker is read back as the worker probes it (the server's answer is the
/// worker's), and a run that was cancelled neither fires nor resolves run-failed.
/// </summary>
public sealed class RemoteChecksTests
{
    private static WorkerProbeBody Good => new("w1", "api", 200, 12.5, "{\"status\":\"UP\"}", true, 86_400, null, "127.0.0.1", null);

    [Fact]
    public void Read_AGoodReport_IsTheProbeItDescribes()
    {
        var probe = RemoteChecks.Read(Good, out _, out _)!;
        Assert.Equal((200, 12.5, true, "127.0.0.1"), (probe.Status!.Value, probe.ResponseTime.TotalMilliseconds, probe.Connected, probe.Ip!));
        Assert.Equal(TimeSpan.FromDays(1), probe.CertificateExpiration);
        Assert.Equal("UP", probe.Json!.Value.GetProperty("status").GetString());
    }

    public static TheoryData<string, string> Hostile => new()
    {
        { "worker", "no worker" },
        { "check", "no check" },
        { "status", "99" },
        { "status", "600" },
        { "responseTimeMs", "NaN" },
        { "responseTimeMs", "-1" },
        { "responseTimeMs", "1e12" },
        { "body", "1 MiB + 1" },
        { "certificateExpiresInSeconds", "Infinity" },
        { "certificateExpiresInSeconds", "1e11" },
        { "dnsRcode", "FINE" },
        { "ip", "101 characters" },
        { "error", "4097 characters" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public void Read_AValueNoProbeCanSee_IsRefusedNamingTheField(string field, string what)
    {
        var body = (field, what) switch
        {
            ("worker", _) => Good with { Worker = null },
            ("check", _) => Good with { Check = null },
            ("status", _) => Good with { Status = int.Parse(what, System.Globalization.CultureInfo.InvariantCulture) },
            ("responseTimeMs", _) => Good with { ResponseTimeMs = double.Parse(what, System.Globalization.CultureInfo.InvariantCulture) },
            ("body", _) => Good with { Body = new string('x', HttpProbe.MaxBody + 1) },
            ("certificateExpiresInSeconds", _) => Good with { CertificateExpiresInSeconds = double.Parse(what, System.Globalization.CultureInfo.InvariantCulture) },
            ("dnsRcode", _) => Good with { DnsRcode = what },
            ("ip", _) => Good with { Ip = new string('1', 101) },
            _ => Good with { Error = new string('e', 4097) },
        };
        Assert.Null(RemoteChecks.Read(body, out var refused, out var why));
        Assert.Equal(field, refused);
        Assert.False(string.IsNullOrEmpty(why));
    }

    [Fact]
    public void ACheck_TravelsWithoutItsConditions_AndIsReadBackAsTheWorkerProbesIt()
    {
        var (config, errors) = StatusConfigParser.Parse("""
            checks:
              api:
                url: https://127.0.0.1:8443/health?probe=1
                interval: 15s
                timeout: 3s
                method: POST
                headers: { X-Probe: "yes" }
                body: "{}"
                insecure: true
                conditions: ["[STATUS] == 200"]
                from: [local, workers]
              here: { url: "tcp://127.0.0.1:5432" }
            """);
        Assert.True(errors.IsEmpty, string.Join("\n", errors));
        var view = RemoteChecks.View(config!);
        var handed = Assert.Single(view.Checks);
        var check = RemoteChecks.FromView(handed, out var why)!;
        Assert.Null(why);
        Assert.Equal(("api", "https://127.0.0.1:8443/health?probe=1", CheckKind.Http, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(3), "POST", "yes", "{}", true),
            (check.Name, check.Url.ToString(), check.Kind, check.Interval, check.Timeout, check.Method, check.Headers["X-Probe"], check.Body, check.Insecure));
        Assert.Empty(check.Conditions);
    }

    [Theory]
    [InlineData("bad name", "http://127.0.0.1/", 10, 1, "is not a check name")]
    [InlineData("api", "file:///etc/passwd", 10, 1, "is not an http(s)://")]
    [InlineData("api", "not a url", 10, 1, "is not an http(s)://")]
    [InlineData("api", "http://127.0.0.1/", 0.01, 0.01, "interval must be")]
    [InlineData("api", "http://127.0.0.1/", 10, 20, "timeout")]
    [InlineData("api", "http://127.0.0.1/", double.NaN, 1, "interval must be")]
    public void FromView_ACheckTheWorkerCannotProbe_IsRefusedWithWhy(string name, string url, double interval, double timeout, string expected)
    {
        var view = new WorkerCheckView(name, url, interval, timeout, "GET", new Dictionary<string, string>(), null, false, "A");
        Assert.Null(RemoteChecks.FromView(view, out var why));
        Assert.Contains(expected, why, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunFinished_Cancelled_NeitherFiresNorResolves_ASuccessResolves()
    {
        await using var h = new AlertingHarness("alerts: {}");
        await h.InitializeAsync();
        var signals = new AlertSignals(() => h.Config, h.Book);
        RunFinished Run(string conclusion) => new("acme/shop", "CI", "refs/heads/main", true, "7", conclusion, TimeSpan.FromMinutes(1), h.Time.GetUtcNow());

        await signals.RunFinishedAsync(Run("cancelled"));
        Assert.Empty(h.Book.Alerts);
        await signals.RunFinishedAsync(Run("failure"));
        Assert.True(Assert.Single(h.Book.Alerts.Values).Firing);
        await signals.RunFinishedAsync(Run("cancelled"));
        Assert.True(Assert.Single(h.Book.Alerts.Values).Firing);
        await signals.RunFinishedAsync(Run("success"));
        Assert.False(Assert.Single(h.Book.Alerts.Values).Firing);
    }
}
