using System.Text.Json;
using Catalytic.Contracts.Alerts;
using Catalytic.Contracts.Json;

namespace Catalytic.Cli.Commands.Status;

/// <summary>`catalytic alerts [--all] [--json]`: what fires now, with its state (acknowledged, silenced, inhibited…).</summary>
internal sealed class AlertsCommand : ICommand
{
    public CommandSpec Spec { get; } = new("alerts", "alerts [--all] [--json]",
        "Show the alerts firing now (with --all, also those resolved in the last hour): id, severity, state, summary, since. Acknowledge with `catalytic ack ID`.",
        [new("all", "a", "Include recently resolved alerts"), StatusCommandSupport.Json, DeliveryCommandSupport.State]);

    public Task<int> ExecuteAsync(CliArgs args, CancellationToken cancellationToken) =>
        StatusCommandSupport.WithClientAsync(args, "alerts", async client =>
        {
            var alerts = await client.AlertsAsync(args.Has("all"), cancellationToken);
            return ListOutput.Print(args, alerts, ApiJson.Default.IReadOnlyListAlertView, a =>
            {
                Console.Out.WriteLine($"{a.Id}  {a.Severity,-8} {a.State,-12} {a.Summary}  (since {StatusCommandSupport.Time(a.StartsAt)}{(a.AckedBy is null ? "" : $", acknowledged by {a.AckedBy}")})");
                Console.Out.WriteLine("    " + string.Join(" ", a.Labels.Where(l => l.Key is not ("alertname" or "severity")).Select(l => $"{l.Key}={l.Value}")));
                if (a.Annotations.TryGetValue("runbook", out var runbook))
                {
                    Console.Out.WriteLine("    runbook: " + runbook);
                }
            }, whenEmpty: "no alerts firing");
        });
}
