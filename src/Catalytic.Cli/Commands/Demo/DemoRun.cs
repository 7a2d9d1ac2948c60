using Catalytic.Cli.Client;
using Catalytic.Contracts.Runs;

namespace Catalytic.Cli.Commands.Demo;

/// <summary>
/// The pipeline run that `catalytic serve` started for the demo's commit, followed through the run API as
/// `catalytic logs --run ID -f` follows it: each job's log streamed as the job starts (jobs that run side by side
/// stream side by side), each job's end, and the environment approvals the run waits for, given in a person's place.
/// </summary>
internal sealed class DemoRun(string stateDirectory, Narrator narrator, TimeProvider time)
{
    /// <summary>The run of <paramref name="sha"/>'s push, once the server has recorded it; null when none comes within <paramref name="patience"/>.</summary>
    public async Task<RunView?> FindAsync(string sha, TimeSpan patience, CancellationToken ct)
    {
        using var client = RunClient.Connect(stateDirectory);
        var started = time.GetTimestamp();
        while (time.GetElapsedTime(started) < patience)
        {
            var runs = await client.RunsAsync(repo: null, branch: null, status: null, limit: 20, ct);
            if (runs.FirstOrDefault(r => r.Event == "push" && r.Sha.Equals(sha, StringComparison.OrdinalIgnoreCase)) is { } run)
            {
                return run;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), time, ct);
        }

        return null;
    }

    /// <summary>How many runs of <paramref name="workflow"/> the server recorded for <paramref name="sha"/> (one: the watcher's notifications and its poll make one run of a push).</summary>
    public async Task<int> CountAsync(string sha, string workflow, CancellationToken ct)
    {
        using var client = RunClient.Connect(stateDirectory);
        var runs = await client.RunsAsync(repo: null, branch: null, status: null, limit: 50, ct);
        return runs.Count(r => r.Workflow == workflow && r.Sha.Equals(sha, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Follows run <paramref name="id"/> to its end; the run as it ended with its jobs, and the job approvals the demo gave.</summary>
    public async Task<(RunDetailView Detail, IReadOnlyList<DemoDelivery.Approval> Approvals)> FollowAsync(long id, CancellationToken ct)
    {
        using var client = RunClient.Connect(stateDirectory);
        var followers = new Dictionary<string, Task>(StringComparer.Ordinal);
        var ended = new HashSet<string>(StringComparer.Ordinal);
        var approvals = new List<DemoDelivery.Approval>();
        while (true)
        {
            var detail = await client.RunAsync(id, ct);
            foreach (var job in detail.Jobs)
            {
                if (job.Status is "in_progress" or "completed" && !followers.ContainsKey(job.Key))
                {
                    if (job.Status == "in_progress")
                    {
                        narrator.Pipeline($"▶ {job.Label} started on {job.Worker ?? "a worker"}");
                    }

                    followers[job.Key] = FollowJobAsync(client, id, job, ct);
                }

                if (job.Status == "waiting" && job.Environment is { } environment)
                {
                    narrator.Pipeline($"» demo: job {job.Label} waits for an approval of environment {environment}");
                    narrator.Pipeline($"» demo: approving it for you, as a person would with `catalytic approve --run {id} --job {job.Key}`");
                    try
                    {
                        await client.ApproveAsync(id, new RunApprovalBody(Approve: true, job.Key, "approved by the demo"), ct);
                        approvals.Add(new DemoDelivery.Approval(environment, $"job {job.Key} of run {id}", "job"));
                    }
                    catch (DeliveryApiException e)
                    {
                        narrator.Pipeline($"» demo: could not approve job {job.Label}: {e.Message}");
                    }
                }

                if (job.Status == "completed" && followers.TryGetValue(job.Key, out var follower) && follower.IsCompleted && ended.Add(job.Key))
                {
                    var took = job.StartedAt is { } s && job.FinishedAt is { } f ? " in " + DemoCommand.Format(f - s) : "";
                    narrator.Pipeline($"{(job.Conclusion == "success" ? "✓" : job.Conclusion == "skipped" ? "–" : "✗")} {job.Label} {job.Conclusion}{took}{(job.Reason is { } r && job.Conclusion != "success" ? ": " + r : "")}");
                }
            }

            if (detail.Run.ExitCode is not null && detail.Jobs.All(j => j.Status == "completed" && ended.Contains(j.Key)))
            {
                await Task.WhenAll(followers.Values);
                return (detail, approvals);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), time, ct);
        }
    }

    private async Task FollowJobAsync(RunClient client, long id, JobView job, CancellationToken ct)
    {
        try
        {
            await foreach (var line in client.LogAsync(id, job.Key, follow: true, ct))
            {
                narrator.Pipeline($"[{job.Label}] {line.Text}");
            }
        }
        catch (DeliveryApiException e)
        {
            // A job skipped before it ran has no log; the run's detail still says how it ended.
            narrator.Pipeline($"[{job.Label}] (no log: {e.Message})");
        }
    }
}
