using System.Text.Json;
using Catalytic.Contracts.Alerts;
using Catalytic.Contracts.Json;

namespace Catalytic.Cli.Commands.Status;

/// <summary>`catalytic notifications [--failed] [--json]`: what was sent, what waits and what is failing.</summary>
internal sealed class NotificationsCommand : ICommand
{
    public CommandSpec Spec { get; } = new("notifications", "notifications [--failed] [--limit N] [--json]",
        "Show the notification outbox, newest first: channel, state (pending, sent, failed), attempts and the last error; --failed shows only those failing.",
        [new("failed", "f", "Only messages that failed or are being retried"), new("limit", "n", "How many (default 50)", "N"), StatusCommandSupport.Json, DeliveryCommandSupport.State]);

    public Task<int> ExecuteAsync(CliArgs args, CancellationToken cancellationToken) =>
        StatusCommandSupport.WithClientAsync(args, "notifications", async client =>
        {
            var list = await client.NotificationsAsync(args.Has("failed"), StatusCommandSupport.Limit(args, 50), cancellationToken);
            if (args.Has("json"))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(list, ApiJson.Default.IReadOnlyListNotificationView));
                return ExitCodes.Success;
            }

            foreach (var n in list)
            {
                var when = n.SentAt is { } sent ? "sent " + StatusCommandSupport.Time(sent) : "next " + StatusCommandSupport.Time(n.NextAttemptAt);
                Console.Out.WriteLine($"#{n.Id,-5} {n.State,-8} {n.Channel,-16} {n.Kind,-10} {n.Attempts} attempt(s)  {when}  {n.Subject}");
                if (n.LastError is { } e)
                {
                    Console.Out.WriteLine("       last error: " + e);
                }
            }

            return list.Any(n => n.State == "failed") ? ExitCodes.Failure : ExitCodes.Success;
        });
}
