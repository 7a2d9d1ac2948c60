using System.Globalization;
using System.Text.Json;
using Catalytic.Cli.Client;
using Catalytic.Contracts.Json;
using Catalytic.Contracts.Runs;

namespace Catalytic.Cli.Commands;

/// <summary>`catalytic runs [--repo R] [--branch B] [--status S] [--json]` and `catalytic runs show ID [--json]`.</summary>
internal sealed class RunsCommand : ICommand
{
    public CommandSpec Spec { get; } = new("runs", "runs [--repo R] [--branch B] [--status S] [--json] | runs show ID [--json]",
        "List the server's pipeline runs, newest first, or show one run's jobs (status, worker, attempt, durations, artifacts).",
        [
            new("repo", null, "Only this repository's runs", "R"),
            new("branch", "b", "Only runs of this branch", "B"),
            new("status", "s", "Only runs with this status or conclusion (queued, in_progress, completed, success, failure…)", "S"),
            new("limit", "n", "At most N runs (default 30)", "N"),
            new("json", null, "Print JSON (the API's answer)"),
            DeliveryCommandSupport.State,
        ],
        MaxPositionals: 2);

    public Task<int> ExecuteAsync(CliArgs args, CancellationToken cancellationToken) =>
        RunCommandSupport.WithClientAsync(args, "runs", async client =>
        {
            if (args.Positional(0) is { } sub)
            {
                if (sub != "show")
                {
                    throw new UsageException($"unknown 'runs {sub}'; did you mean 'runs show ID'?");
                }

                var detail = await client.RunAsync(RunCommandSupport.RunId(args.Positional(1), "runs show"), cancellationToken);
                if (args.Has("json"))
                {
                    Console.Out.WriteLine(JsonSerializer.Serialize(detail, ApiJson.Default.RunDetailView));
                    return ExitCodes.Success;
                }

                PrintRun(detail.Run);
                foreach (var j in detail.Jobs)
                {
                    var took = j.StartedAt is { } s && j.FinishedAt is { } f ? RunCommandSupport.Duration(f - s) : "";
                    Console.Out.WriteLine($"  {j.Key,-24} {j.Conclusion ?? j.Status,-12} attempt {j.Attempt}  {j.Worker ?? "-",-28} {took,8}  {j.Label}" +
                        (j.Reason is null ? "" : $"\n      {j.Reason}"));
                }

                foreach (var a in detail.Artifacts)
                {
                    Console.Out.WriteLine($"  artifact: {a}");
                }

                return detail.Run.ExitCode ?? ExitCodes.Success;
            }

            var limit = int.TryParse(args.Get("limit") ?? "30", NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is > 0 and <= 1000
                ? n : throw new UsageException("--limit must be a number from 1 to 1000");
            var runs = await client.RunsAsync(args.Get("repo"), args.Get("branch"), args.Get("status"), limit, cancellationToken);
            return ListOutput.Print(args, runs, ApiJson.Default.IReadOnlyListRunView, PrintRun);
        });

    private static void PrintRun(RunView r)
    {
        var branch = r.Ref.StartsWith("refs/heads/", StringComparison.Ordinal) ? r.Ref[11..] : r.Ref;
        var took = r.StartedAt is { } s && r.FinishedAt is { } f ? RunCommandSupport.Duration(f - s) : "";
        Console.Out.WriteLine($"{r.Id,6} {r.Conclusion ?? r.Status,-12} {r.Repository}/{r.Workflow} #{r.RunNumber}" +
            (r.Attempt > 1 ? $" (attempt {r.Attempt})" : "") + $"  {r.Event} {branch} {r.Sha[..Math.Min(8, r.Sha.Length)]}  {r.Actor}  {r.CreatedAt.ToLocalTime():yyyy-MM-dd HH:mm:ss} {took}");
        if (r.Conclusion is not null and not "success" && r.Reason is { } why)
        {
            Console.Out.WriteLine($"       {why}");
        }
    }
}

/// <summary>What the run verbs share: the client of the current directory's server, run ids, durations.</summary>
internal static class RunCommandSupport
{
    public static async Task<int> WithClientAsync(CliArgs args, string verb, Func<RunClient, Task<int>> action)
    {
        try
        {
            using var client = RunClient.Connect(DeliveryCommandSupport.StateDirectory(args));
            return await action(client);
        }
        catch (DeliveryApiException e)
        {
            Console.Error.WriteLine($"catalytic {verb}: {e.Message}{(e.Field is null ? "" : $" (field: {e.Field})")}");
            foreach (var line in e.Errors)
            {
                Console.Error.WriteLine("  " + line);
            }

            return e.Status is 400 or 404 or 409 or 422 ? ExitCodes.Invalid : ExitCodes.Failure;
        }
    }

    public static long RunId(string? text, string verb) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0
            ? id
            : throw new UsageException($"a run id is required (usage: catalytic {verb} ID)");

    public static string Duration(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:00}m" : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes}m{t.Seconds:00}s" : $"{t.TotalSeconds:0.0}s";
}
