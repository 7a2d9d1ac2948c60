using System.Text.Json;
using Catalytic.Contracts.Alerts;
using Catalytic.Contracts.Json;

namespace Catalytic.Cli.Commands.Status;

/// <summary>`catalytic silence add --match L=V --for 2h --comment TEXT`, `silence list`, `silence expire ID`.</summary>
internal sealed class SilenceCommand : ICommand
{
    public CommandSpec Spec { get; } = new("silence", "silence add --match LABEL=VALUE... --for DURATION --comment TEXT | list | expire ID",
        "Silence alerts whose labels match (=, !=, =~, !~) for a while; list silences; end one now.",
        [new("match", "m", "A label matcher, e.g. environment=staging (repeatable)", "MATCHER"), new("for", null, "How long, e.g. 2h", "DURATION"),
         new("comment", "c", "Why (required)", "TEXT"), StatusCommandSupport.Json, DeliveryCommandSupport.State],
        MaxPositionals: 2);

    public Task<int> ExecuteAsync(CliArgs args, CancellationToken cancellationToken)
    {
        var sub = args.Positional(0) ?? throw new UsageException("a subcommand is required: add, list or expire");
        return sub switch
        {
            "add" => AddAsync(args, cancellationToken),
            "list" => StatusCommandSupport.WithClientAsync(args, "silence", async client =>
            {
                return ListOutput.Print(args, await client.SilencesAsync(cancellationToken), ApiJson.Default.IReadOnlyListSilenceView, Print);
            }),
            "expire" => StatusCommandSupport.WithClientAsync(args, "silence", async client =>
            {
                var id = args.Positional(1) ?? throw new UsageException("ID is required (usage: catalytic silence expire ID)");
                Print(await client.ExpireSilenceAsync(id, cancellationToken));
                return ExitCodes.Success;
            }),
            _ => throw new UsageException($"unknown subcommand '{sub}'; use add, list or expire"),
        };
    }

    private static Task<int> AddAsync(CliArgs args, CancellationToken ct)
    {
        var matchers = args.GetAll("match");
        if (matchers.Count == 0)
        {
            throw new UsageException("at least one --match LABEL=VALUE is required");
        }

        var span = args.Get("for") ?? throw new UsageException("--for DURATION is required (e.g. 2h)");
        var comment = args.Get("comment") ?? throw new UsageException("--comment TEXT is required (say why)");
        return StatusCommandSupport.WithClientAsync(args, "silence", async client =>
        {
            var s = await client.AddSilenceAsync(new SilenceBody(matchers, span, comment), ct);
            if (args.Has("json"))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(s, ApiJson.Default.SilenceView));
            }
            else
            {
                Print(s);
            }

            return ExitCodes.Success;
        });
    }

    private static void Print(SilenceView s) =>
        Console.Out.WriteLine($"{s.Id}  {(s.Active ? "active " : "ended  ")} {string.Join(" ", s.Matchers)}  until {StatusCommandSupport.Time(s.EndsAt)}  by {s.CreatedBy}: {s.Comment}");
}
