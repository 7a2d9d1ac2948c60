using System.Globalization;
using System.Text.Json;
using Catalytic.Cli.Client;
using Catalytic.Contracts.Checks;
using Catalytic.Contracts.Json;

namespace Catalytic.Cli.Commands.Status;

/// <summary>`catalytic checks [--json]`, `checks history NAME`, `checks sla NAME [--days N]`: the server's checks.</summary>
internal sealed class ChecksCommand : ICommand
{
    public CommandSpec Spec { get; } = new("checks", "checks [history NAME | sla NAME] [--json]",
        "Show each check's state, last result with every condition, 24 h and 90 d uptime and p50/p95; `history NAME` its recent results; `sla NAME` its SLA report.",
        [StatusCommandSupport.Json, new("limit", "n", "Results to show with history (default 20)", "N"), new("days", null, "Days of the SLA report (default 30)", "N"), DeliveryCommandSupport.State],
        MaxPositionals: 2);

    public Task<int> ExecuteAsync(CliArgs args, CancellationToken cancellationToken)
    {
        var sub = args.Positional(0);
        if (sub is not (null or "history" or "sla"))
        {
            throw new UsageException($"unknown subcommand '{sub}'; use `checks`, `checks history NAME` or `checks sla NAME`");
        }

        var name = args.Positional(1);
        if (sub is not null && name is null)
        {
            throw new UsageException($"NAME is required (usage: catalytic checks {sub} NAME)");
        }

        return StatusCommandSupport.WithClientAsync(args, "checks", async client => sub switch
        {
            "history" => await HistoryAsync(client, name!, args, cancellationToken),
            "sla" => await SlaAsync(client, name!, args, cancellationToken),
            _ => await ListAsync(client, args, cancellationToken),
        });
    }

    private static async Task<int> ListAsync(StatusClient client, CliArgs args, CancellationToken ct)
    {
        var checks = await client.ChecksAsync(ct);
        if (args.Has("json"))
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(checks, ApiJson.Default.IReadOnlyListCheckView));
            return ExitCodes.Success;
        }

        if (checks.Count == 0)
        {
            Console.Error.WriteLine("no checks (add `checks:` to catalytic.yml)");
        }

        foreach (var c in checks)
        {
            Console.Out.WriteLine($"{c.Name,-24} {c.Status,-9} {c.Target}  24h {StatusCommandSupport.Percent(c.Uptime24h)}  90d {StatusCommandSupport.Percent(c.Uptime90d)}  p50 {StatusCommandSupport.Ms(c.P50Ms)} p95 {StatusCommandSupport.Ms(c.P95Ms)}{(c.InMaintenance ? "  (maintenance)" : "")}");
            if (c.Last is { } last)
            {
                PrintResult(last, "  ");
            }
        }

        return checks.Any(c => c.Status == "down") ? ExitCodes.Failure : ExitCodes.Success;
    }

    private static async Task<int> HistoryAsync(StatusClient client, string name, CliArgs args, CancellationToken ct)
    {
        var history = await client.HistoryAsync(name, StatusCommandSupport.Limit(args, 20), ct);
        if (args.Has("json"))
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(history, ApiJson.Default.CheckHistoryView));
            return ExitCodes.Success;
        }

        foreach (var r in history.Results)
        {
            PrintResult(r, "");
        }

        Console.Out.WriteLine();
        Console.Out.WriteLine("per day:");
        foreach (var d in history.Days)
        {
            Console.Out.WriteLine($"  {d.Start:yyyy-MM-dd}  {StatusCommandSupport.Percent(d.Uptime),8} up  {d.Total,6} probes  {d.Down,5} down  p50 {StatusCommandSupport.Ms(d.P50Ms)} p95 {StatusCommandSupport.Ms(d.P95Ms)}");
        }

        return ExitCodes.Success;
    }

    private static async Task<int> SlaAsync(StatusClient client, string name, CliArgs args, CancellationToken ct)
    {
        var days = args.Get("days") is { } d ? int.TryParse(d, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is > 0 and <= 400 ? n : throw new UsageException("--days must be a number from 1 to 400") : 30;
        var sla = await client.SlaAsync(name, days, ct);
        if (args.Has("json"))
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(sla, ApiJson.Default.SlaView));
            return ExitCodes.Success;
        }

        Console.Out.WriteLine($"{sla.Check}: {StatusCommandSupport.Percent(sla.Uptime)} uptime over {sla.Days} days, about {sla.DowntimeMinutes:0.#} minutes down, p50 {StatusCommandSupport.Ms(sla.P50Ms)}, p95 {StatusCommandSupport.Ms(sla.P95Ms)}");
        return ExitCodes.Success;
    }

    private static void PrintResult(CheckResultView r, string indent)
    {
        var verdict = !r.Success ? "FAIL" : r.Degraded ? "DEGRADED" : "ok";
        Console.Out.WriteLine($"{indent}{StatusCommandSupport.Time(r.At)} {r.Location} {verdict} {StatusCommandSupport.Ms(r.ResponseTimeMs)}{(r.HttpStatus is { } s ? $" HTTP {s}" : "")}{(r.Error is { } e ? $" ({e})" : "")}{(r.InMaintenance ? " [maintenance]" : "")}");
        foreach (var c in r.Conditions)
        {
            Console.Out.WriteLine($"{indent}  {(c.Success ? "✓" : "✗")} {c.Condition}{(c.DegradedOnly ? "  (degraded-only)" : "")}");
        }
    }
}
