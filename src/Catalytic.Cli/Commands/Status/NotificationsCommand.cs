using System.Globalization;
using System.Text.Json;
using Catalytic.Contracts.Alerts;
using Catalytic.Contracts.Json;

namespace Catalytic.Cli.Commands.Status;

/// <summary>
/// `catalytic notifications [--failed] [--json]`: what was sent, what waits and what is failing; `notifications retry
/// ID`: sends a failed or retrying message again now (the dashboard's Retry now).
/// </summary>
internal sealed class NotificationsCommand : ICommand
{
    public CommandSpec Spec { get; } = new("notifications", "notifications [--failed] [--limit N] [--json] | notifications retry ID [--json]",
        "Show the notification outbox, newest first: channel, state (pending, sent, failed), attempts and the last error (--failed: only those failing); `retry ID` sends a failed or retrying one again now.",
        [new("failed", "f", "Only messages that failed or are being retried"), new("limit", "n", "How many (default 50)", "N"), StatusCommandSupport.Json, DeliveryCommandSupport.State],
        MaxPositionals: 2);

    public Task<int> ExecuteAsync(CliArgs args, CancellationToken cancellationToken) => args.Positional(0) switch
    {
        null => ListAsync(args, cancellationToken),
        "retry" => RetryAsync(args, cancellationToken),
        var sub => throw new UsageException($"unknown subcommand '{sub}'; use `notifications` or `notifications retry ID`"),
    };

    private static Task<int> ListAsync(CliArgs args, CancellationToken cancellationToken) =>
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

    private static Task<int> RetryAsync(CliArgs args, CancellationToken cancellationToken)
    {
        var text = args.Positional(1) ?? throw new UsageException("ID is required (usage: catalytic notifications retry ID; see catalytic notifications --failed)");

        // Checked here as the server does (a positive whole number), so a typo is a usage error before any request.
        var shown = text.Length > 40 ? text[..40] + "…" : text;
        if (!long.TryParse(text.TrimStart('#'), NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id <= 0)
        {
            throw new UsageException($"ID must be a notification's number (the #N of catalytic notifications), not '{shown}'");
        }

        if (args.Has("failed") || args.Get("limit") is not null)
        {
            throw new UsageException("--failed and --limit belong to the list, not to `notifications retry ID`");
        }

        return StatusCommandSupport.WithClientAsync(args, "notifications retry", async client =>
        {
            var n = await client.RetryNotificationAsync(id, cancellationToken);
            if (args.Has("json"))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(n, ApiJson.Default.NotificationView));
                return ExitCodes.Success;
            }

            Console.Out.WriteLine($"#{n.Id} to {n.Channel} is sent again now (after {n.Attempts} attempt(s)): {n.Subject}");
            return ExitCodes.Success;
        });
    }
}
