using System.Globalization;
using System.Text.Json;
using Catalytic.Cli.Client;
using Catalytic.Contracts.Access;

namespace Catalytic.Cli.Commands;

/// <summary>`catalytic audit [--json]`: who did what, when, from where (newest first; an admin's credential).</summary>
internal sealed class AuditCommand : ICommand
{
    public CommandSpec Spec { get; } = new("audit", "audit [--limit N] [--before SEQ] [--actor NAME] [--action A] [--json]",
        "Show the audit log, newest first: every sign-in (and failed one), deployment, approval, rollback, user and token change, with who, when, from which address.",
        [
            new("limit", "n", "How many entries (default 50, at most 1000)", "N"),
            new("before", null, "Only entries older than this sequence number (the next page)", "SEQ"),
            new("actor", null, "Only this actor's entries", "NAME"),
            new("action", null, "Only this action (login, login.failed, deploy, approve, token.create…)", "A"),
            new("json", null, "Print JSON (the API's entries)"),
            DeliveryCommandSupport.State,
        ]);

    public Task<int> ExecuteAsync(CliArgs args, CancellationToken cancellationToken)
    {
        var limit = 50;
        if (args.Get("limit") is { } l && (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 1000))
        {
            throw new UsageException("--limit must be a number from 1 to 1000");
        }

        long? before = null;
        if (args.Get("before") is { } b)
        {
            before = long.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out var seq) ? seq : throw new UsageException("--before must be a sequence number");
        }

        return DeliveryCommandSupport.WithClientAsync(args, "audit", async client =>
        {
            var entries = await client.AuditAsync(limit, before, args.Get("actor"), args.Get("action"), cancellationToken);
            return ListOutput.Print(args, entries, AccessJson.Default.IReadOnlyListAuditEntryView, e =>
                Console.Out.WriteLine($"{e.Seq,6} {e.At.ToLocalTime():yyyy-MM-dd HH:mm:ss} {e.Actor} ({e.ActorKind}{(e.Address.Length > 0 ? " from " + e.Address : "")}) {e.Action} {e.Target}{(e.Outcome == "ok" ? "" : $" [{e.Outcome}]")}{(e.Detail.Length > 0 ? ": " + e.Detail : "")}"));
        });
    }
}
