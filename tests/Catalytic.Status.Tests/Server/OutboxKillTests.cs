using Catalytic.Status.Tests.Support;

namespace Catalytic.Status.Tests.Server;

/// <summary>A notification waiting in the outbox survives a SIGKILL of serve and is sent once after the restart.</summary>
public sealed class OutboxKillTests
{
    [Fact]
    public async Task Serve_KilledWithANotificationPending_SendsItOnceAfterRestart()
    {
        using var dir = new TempDir();
        var hookPort = Ports.Free();
        File.WriteAllText(dir.File("catalytic.yml"), $$"""
            checks:
              gone:
                url: http://127.0.0.1:{{Ports.Free()}}/
                interval: 500ms
                failure-threshold: 1
            notifications:
              channels:
                ops: { webhook: { url: "http://127.0.0.1:{{hookPort}}/alerts" } }
              routes:
                - { to: [ops], group-wait: 0s }
            """);
        await using (var first = new ServeProcess(dir.Path))
        {
            await first.StartAsync();
            // Nothing listens on the webhook's port yet: the message is written, tried, and waits for its retry.
            await Ports.WaitAsync(async () => (await first.NotificationsAsync()).Any(n => n.State == "pending" && n.Attempts >= 1), "a pending notification that failed once");
            await first.KillAsync();
        }

        await using var receiver = await new WebhookReceiver(hookPort).StartAsync();
        await using var second = new ServeProcess(dir.Path);
        await second.StartAsync();
        await Ports.WaitAsync(async () => (await second.NotificationsAsync()).Any(n => n.State == "sent"), "the notification sent after the restart", seconds: 90);
        var hook = Assert.Single(receiver.Received);
        Assert.Contains("gone is down", hook.Body, StringComparison.Ordinal);

        // The check keeps failing after the restart: its alert was already notified, so nothing is sent again.
        var seen = (await second.ChecksAsync()).Single().Last!.At;
        await Ports.WaitAsync(async () => (await second.ChecksAsync()).Single().Last!.At >= seen.AddSeconds(3), "three more seconds of probes");
        Assert.Single(receiver.Received);
        Assert.Single(await second.NotificationsAsync());
    }
}
