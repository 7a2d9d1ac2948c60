using System.Text.Json;
using Catalytic.Status.Tests.Support;
using Catalytic.Testing.Waiting;

namespace Catalytic.Status.Tests.Server;

/// <summary>
/// Issue 14's configuration, as written, run by the real `catalytic serve` against servers on loopback: an HTTP server
/// that stops answering, a TLS server, a Slack-style webhook receiver and a real SMTP server on four ports from 18601 on
/// (moved by the test process's id, so two suites on one machine do not pick the same ones: the API's port is freed
/// and bound again mid-test, and a twin could take it in between; free ports instead when another run holds them —
/// the test says so on stderr and changes only the port numbers in the text).
/// </summary>
public sealed class IssueExampleServeTests : IAsyncLifetime
{
    private static readonly int Base = 18601 + 4 * (Environment.ProcessId % 100);
    private readonly TempDir _dir = new();
    private readonly int _api = Ports.Prefer(Base);
    private readonly int _tls = Ports.Prefer(Base + 1);
    private readonly int _slack = Ports.Prefer(Base + 2);
    private readonly int _smtp = Ports.Prefer(Base + 3);
    private HttpTarget _target = null!;
    private TlsTarget _cert = null!;
    private WebhookReceiver _hook = null!;
    private SmtpSink _mail = null!;
    private ServeProcess _serve = null!;

    public async ValueTask InitializeAsync()
    {
        _target = new HttpTarget(_api);
        await _target.StartAsync();
        _cert = new TlsTarget(_tls, TimeSpan.FromDays(400));
        _hook = await new WebhookReceiver(_slack).StartAsync();
        _mail = new SmtpSink(_smtp);
        _serve = new ServeProcess(_dir.Path);
    }

    private void WriteConfig(string extra = "")
    {
        var yaml = IssueExample.Yaml.Replace("18601", _api.ToString(), StringComparison.Ordinal).Replace("18602", _tls.ToString(), StringComparison.Ordinal)
            .Replace("18603", _slack.ToString(), StringComparison.Ordinal).Replace("18604", _smtp.ToString(), StringComparison.Ordinal);
        File.WriteAllText(_dir.File("catalytic.yml"), yaml.Replace("    severity: critical\n  cert:", "    severity: critical\n" + extra + "  cert:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ServerStopsAnswering_SlackAndEmailOnce_ThenResolvedOnce()
    {
        WriteConfig();
        await _serve.StartAsync();
        await Ports.WaitAsync(async () => (await _serve.ChecksAsync()).Any(c => c.Name == "api" && c.Status == "up"), "api reported up");

        await _target.StopAsync();
        await Ports.WaitAsync(() => Task.FromResult(!_hook.Received.IsEmpty && !_mail.Messages.IsEmpty), "a Slack message and an email after the API went down");
        var down = Assert.Single(_hook.Received);
        Assert.Equal("/hook", down.Path);
        Assert.Contains("api is down", down.Body, StringComparison.Ordinal);
        Assert.Contains("#d00000", down.Body, StringComparison.Ordinal);
        var mail = Assert.Single(_mail.Messages);
        Assert.Equal("[FIRING:1] api is down", mail.Subject);
        Assert.Contains("connection refused", mail.TextBody, StringComparison.Ordinal);

        // Three more failed probes later (three more seconds of dispatcher passes), still one of each.
        var failures = (await _serve.ChecksAsync()).Single(c => c.Name == "api").Last!.At;
        await Ports.WaitAsync(async () => (await _serve.ChecksAsync()).Single(c => c.Name == "api").Last!.At >= failures.AddSeconds(3), "three more probes");
        Assert.Single(_hook.Received);
        Assert.Single(_mail.Messages);

        await _target.StartAsync();
        await Ports.WaitAsync(() => Task.FromResult(_hook.Received.Count == 2 && _mail.Messages.Count == 2), "resolved messages on both channels");
        Assert.Contains("#2eb886", _hook.Received.Last().Body, StringComparison.Ordinal);
        Assert.Equal("[RESOLVED] api is down", _mail.Messages.Last().Subject);

        var (code, text, _) = await _serve.CliAsync("checks");
        Assert.Equal(0, code);
        Assert.Contains("✓ [STATUS] (200) == 200", text, StringComparison.Ordinal);
        Assert.Contains("✓ [BODY].status (UP) == UP", text, StringComparison.Ordinal);
        Assert.Contains("✓ [CERTIFICATE_EXPIRATION] (399d", text, StringComparison.Ordinal);
        var sent = await _serve.NotificationsAsync();
        Assert.Equal(4, sent.Count);
        Assert.All(sent, n => Assert.Equal("sent", n.State));
        Assert.DoesNotContain(sent, n => n.Channel == "ops-slack" && (n.LastError ?? "").Contains("/hook", StringComparison.Ordinal));
    }

    [Fact]
    public async Task InsideAMaintenanceWindow_NothingIsSent_ButTheRecordIsKept()
    {
        var start = RealTime.Clock.GetUtcNow().UtcDateTime.AddHours(-1);
        WriteConfig($"    maintenance: {{ start: \"{start:HH:mm}\", duration: 3h }}\n");
        await _serve.StartAsync();
        await Ports.WaitAsync(async () => (await _serve.ChecksAsync()).Any(c => c.Name == "api" && c.Status == "up"), "api reported up");
        await _target.StopAsync();
        await Ports.WaitAsync(async () => (await _serve.ChecksAsync()).Single(c => c.Name == "api").Status == "down", "api judged down");
        var alert = Assert.Single(await _serve.AlertsAsync(), a => a.Name == "check-down");
        Assert.Equal("maintenance", alert.State);
        var (_, history, _) = await _serve.CliAsync("checks", "history", "api", "--json");
        using var doc = JsonDocument.Parse(history);
        Assert.Contains(doc.RootElement.GetProperty("results").EnumerateArray(), r => !r.GetProperty("success").GetBoolean() && r.GetProperty("inMaintenance").GetBoolean());
        Assert.Empty(await _serve.NotificationsAsync());
        Assert.Empty(_hook.Received);
        Assert.Empty(_mail.Messages);
    }

    public async ValueTask DisposeAsync()
    {
        await _serve.DisposeAsync();
        await _target.DisposeAsync();
        await _cert.DisposeAsync();
        await _hook.DisposeAsync();
        await _mail.DisposeAsync();
        _dir.Dispose();
    }
}
