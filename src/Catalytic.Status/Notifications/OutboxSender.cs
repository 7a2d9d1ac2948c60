using System.Text.Json;
using Catalytic.Status.Config;
using Catalytic.Status.Contracts;
using Catalytic.Status.Storage;

namespace Catalytic.Status.Notifications;

/// <summary>
/// Sends what the outbox holds: each due message through its channel; on failure retried with exponential backoff
/// (1 s doubling up to 10 min, or the receiver's Retry-After), and given up after <see cref="MaxAttempts"/> attempts
/// or a refusal that retrying cannot fix. A message is marked sent right after the receiver accepted it; a crash in
/// that instant sends it again after restart (at least once), and receivers see the same X-Catalytic-Notification id.
/// </summary>
public sealed class OutboxSender(Func<StatusConfig> config, IStatusStore store, ChannelSender sender, TimeProvider time)
{
    /// <summary>Attempts before a message counts as failed (about a day of backoff).</summary>
    public const int MaxAttempts = 150;

    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(10);

    /// <summary>Sent messages since start, by channel kind (for /metrics).</summary>
    public event Action<string, string, bool>? Attempted;

    /// <summary>Sends every due message once; returns how many were attempted.</summary>
    public async Task<int> SendDueAsync(CancellationToken ct = default)
    {
        var due = await store.ListDueAsync(time.GetUtcNow(), 100, ct);
        var cfg = config();
        foreach (var message in due)
        {
            ct.ThrowIfCancellationRequested();
            SendOutcome outcome;
            if (!cfg.Channels.TryGetValue(message.Channel, out var channel))
            {
                outcome = new SendOutcome(false, $"channel '{message.Channel}' is no longer in catalytic.yml");
            }
            else
            {
                var n = JsonSerializer.Deserialize(message.Payload, StatusJson.Default.Notification)!;
                outcome = await sender.SendAsync(channel, n, message.Id, ct);
            }

            var now = time.GetUtcNow();
            var attempts = message.Attempts + 1;
            var kind = channel?.KindName ?? "unknown";
            Attempted?.Invoke(message.Channel, kind, outcome.Sent);
            if (outcome.Sent)
            {
                await store.UpdateOutboxAsync(message with { Attempts = attempts, State = OutboxState.Sent, SentAt = now, LastError = null }, ct);
                continue;
            }

            var giveUp = outcome.Permanent || attempts >= MaxAttempts;
            var backoff = outcome.RetryAfter is { } ra && ra > TimeSpan.Zero
                ? ra
                : TimeSpan.FromSeconds(Math.Min(MaxBackoff.TotalSeconds, Math.Pow(2, Math.Min(attempts - 1, 20))));
            await store.UpdateOutboxAsync(message with
            {
                Attempts = attempts,
                State = giveUp ? OutboxState.Failed : OutboxState.Pending,
                NextAttemptAt = now + backoff,
                LastError = outcome.Error,
            }, ct);
        }

        return due.Count;
    }
}
