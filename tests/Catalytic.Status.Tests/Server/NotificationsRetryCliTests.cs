using Catalytic.Status.Tests.Support;

namespace Catalytic.Status.Tests.Server;

/// <summary>
/// `catalytic notifications retry ID` against a real serve: a webhook the receiver refused (failed for good) is sent
/// again once the receiver accepts; a sent or unknown id is refused naming it (exit 2), a malformed one is a usage error
/// before any request (exit 2), and a viewer's credential gets the permission message (exit 1). Nothing refused sends.
/// </summary>
public sealed class NotificationsRetryCliTests
{
    [Fact]
    public async Task Retry_SendsAFailedMessageAgain_AndRefusesWhatCannotBeRetried_WithItsExitCode()
    {
        using var dir = new TempDir();
        await using var receiver = await new WebhookReceiver().StartAsync();
        var accepts = false;
        receiver.Respond = _ => Volatile.Read(ref accepts) ? null : 400;
        File.WriteAllText(dir.File("catalytic.yml"), $$"""
            checks:
              gone: { url: "tcp://127.0.0.1:{{Ports.Free()}}", interval: 500ms, failure-threshold: 1, severity: critical }
            notifications:
              channels:
                ops: { webhook: { url: "{{receiver.Url("/alerts")}}" } }
              routes:
                - { to: [ops], group-wait: 0s }
            """);
        await using var serve = new ServeProcess(dir.Path);
        await serve.StartAsync();

        // A 400 is final: the message fails at once and waits for a person.
        await Ports.WaitAsync(async () => (await serve.NotificationsAsync()).Any(n => n.State == "failed"), "the refused webhook recorded as failed");
        var failed = (await serve.NotificationsAsync()).Single(n => n.State == "failed");
        Assert.Equal(1, failed.Attempts);
        var listed = await serve.CliAsync("notifications", "--failed");
        Assert.Equal(1, listed.Code);
        Assert.Contains($"#{failed.Id}", listed.Out, StringComparison.Ordinal);

        // Malformed ids are usage errors (exit 2) said before any request; so are a missing id and a stray subcommand.
        foreach (var bad in new[] { "abc", "0", "1e3", "99999999999999999999999", " 7", "#x" })
        {
            var r = await serve.CliAsync("notifications", "retry", bad);
            Assert.True(r.Code == 2, $"retry '{bad}': {r.Code} {r.Out} {r.Err}");
            Assert.Contains("ID must be a notification's number", r.Err, StringComparison.Ordinal);
        }

        var missing = await serve.CliAsync("notifications", "retry");
        Assert.True(missing.Code == 2 && missing.Err.Contains("ID is required", StringComparison.Ordinal), missing.Err);
        var stray = await serve.CliAsync("notifications", "resend", "1");
        Assert.True(stray.Code == 2 && stray.Err.Contains("unknown subcommand 'resend'", StringComparison.Ordinal), stray.Err);

        // Unknown: the server's 404, naming the id, exit 2.
        var unknown = await serve.CliAsync("notifications", "retry", "999999");
        Assert.True(unknown.Code == 2, unknown.Err);
        Assert.Contains("no failed or retrying notification #999999", unknown.Err, StringComparison.Ordinal);

        // A viewer may look but not send again: the permission message, exit 1.
        var added = await serve.CliAsync("user", "add", "watcher", "--role", "viewer");
        Assert.True(added.Code == 0, added.Err);
        var token = await serve.CliAsync("token", "create", "--user", "watcher", "--name", "cli");
        Assert.True(token.Code == 0, token.Err);
        var viewerState = dir.File("viewer-state");
        Directory.CreateDirectory(viewerState);
        File.Copy(dir.File(".catalytic/server.json"), Path.Combine(viewerState, "server.json"));
        File.WriteAllText(Path.Combine(viewerState, "server.token"), token.Out.Trim());
        var refused = await serve.CliAsync("notifications", "retry", failed.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "--state", viewerState);
        Assert.True(refused.Code == 1, $"{refused.Code} {refused.Err}");
        Assert.Contains("watcher (role viewer) may not do this; it needs the developer role or above", refused.Err, StringComparison.Ordinal);
        Assert.Empty(receiver.Received);
        Assert.Equal(1, (await serve.NotificationsAsync()).Single(n => n.Id == failed.Id).Attempts);

        // The receiver is mended: retry sends it once more, and it is recorded sent after its second attempt.
        Volatile.Write(ref accepts, true);
        var retried = await serve.CliAsync("notifications", "retry", failed.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(retried.Code == 0, retried.Err);
        Assert.Contains($"#{failed.Id} to ops", retried.Out, StringComparison.Ordinal);
        await Ports.WaitAsync(async () => (await serve.NotificationsAsync()).Single(n => n.Id == failed.Id).State == "sent", "the retried message sent");
        Assert.Equal(2, (await serve.NotificationsAsync()).Single(n => n.Id == failed.Id).Attempts);
        var hook = Assert.Single(receiver.Received);
        Assert.Contains("gone is down", hook.Body, StringComparison.Ordinal);

        // Sent: nothing to retry (404 naming it, exit 2), and nothing is sent again.
        var again = await serve.CliAsync("notifications", "retry", "--json", failed.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(again.Code == 2, again.Err);
        Assert.Contains($"no failed or retrying notification #{failed.Id}", again.Err, StringComparison.Ordinal);
        Assert.Single(receiver.Received);
    }
}
