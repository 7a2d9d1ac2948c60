using System.Text.Json;
using Catalytic.Contracts.Json;

namespace Catalytic.Cli.Commands;

/// <summary>`catalytic status [APP] [--env ENV] [--json]`: live versions, instances, traffic split and history.</summary>
internal sealed class StatusCommand : ICommand
{
    public CommandSpec Spec { get; } = new("status", "status [APP] [--env ENV] [--json]",
        "Show each environment's live version, instances and health, traffic split, and deployment history (newest first).",
        [DeliveryCommandSupport.Env, new("json", null, "Print JSON (the API's status document)"), DeliveryCommandSupport.State],
        MaxPositionals: 1);

    public Task<int> ExecuteAsync(CliArgs args, CancellationToken cancellationToken) =>
        DeliveryCommandSupport.WithClientAsync(args, "status", async client =>
        {
            var status = await client.StatusAsync(args.Positional(0), args.Get("env"), cancellationToken);
            if (args.Has("json"))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(status, ApiJson.Default.StatusView));
                return ExitCodes.Success;
            }

            foreach (var e in status.Environments)
            {
                Console.Out.WriteLine($"{e.App}/{e.Environment}  live: {e.LiveVersion ?? "(none)"}  edge: {e.Listen}  strategy: {e.Strategy}" +
                    (e.ActiveDeployment is null ? "" : $"  running: {e.ActiveDeployment}") + (e.WarmVersion is null ? "" : $"  warm: {e.WarmVersion}"));
                Console.Out.WriteLine("  traffic:   " + (e.Traffic.Count == 0 ? "(no routes)" : string.Join(", ", e.Traffic.Select(t => $"{t.Version} {t.Weight}% ({t.Instances} instance(s))"))));
                foreach (var i in e.Instances)
                {
                    Console.Out.WriteLine($"  instance:  {i.Version} :{i.Port} {i.Health}{(i.Restarts > 0 ? $" ({i.Restarts} restart(s))" : "")}");
                }

                Console.Out.WriteLine("  history:");
                foreach (var d in e.History)
                {
                    Console.Out.WriteLine($"    {d.CreatedAt.ToLocalTime():yyyy-MM-dd HH:mm:ss} {d.Id} {d.Version,-12} {d.Strategy,-10} {d.State,-20} {d.Reason}");
                }

                Console.Out.WriteLine();
            }

            return ExitCodes.Success;
        });
}
