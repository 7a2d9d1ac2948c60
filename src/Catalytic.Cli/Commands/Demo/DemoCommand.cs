using System.Globalization;
using Catalytic.Contracts.Runs;

namespace Catalytic.Cli.Commands.Demo;

/// <summary>
/// `catalytic demo`: takes the sample service (samples/lattice) through its whole 8-phase pipeline to production on
/// embedded defaults, with traffic on the production edge during the switch, then prints what happened and stops
/// everything it started.
/// </summary>
internal sealed partial class DemoCommand : ICommand
{
    private const string BaselineVersion = "1.0.0";
    private static readonly Uri ProductionUrl = new("http://127.0.0.1:18490/version");
    private static readonly Uri StagingUrl = new("http://127.0.0.1:18480/version");

    public CommandSpec Spec { get; } = new(
        "demo",
        "demo [--keep] [--dir DIR]",
        "Take the sample service through its 8-phase pipeline to production, with live traffic during the switch.",
        [
            new OptionSpec("keep", null, "Leave the platform serving after the demo, until Ctrl-C"),
            new OptionSpec("dir", null, "Where to lay out the demo repository (default .catalytic/demo under the catalytic checkout)", "DIR"),
            new OptionSpec("sample", null, "The sample repository to use (default samples/lattice of the checkout)", "DIR"),
        ]);

    public async Task<int> ExecuteAsync(CliArgs args, CancellationToken cancellationToken)
    {
        var time = args.Time;
        var started = time.GetTimestamp();
        var sample = args.Get("sample") is { } s ? Path.GetFullPath(s) : FindSample()
            ?? throw new UsageException("cannot find samples/lattice; run the demo from a catalytic checkout or pass --sample DIR");
        var home = Path.GetFullPath(Path.Combine(sample, "..", ".."));
        var work = Path.GetFullPath(args.Get("dir") ?? Path.Combine(home, ".catalytic", "demo"));
        var narrator = new Narrator(Console.Out);

        narrator.Title("Catalytic demo: the lattice API from a git push to production");
        if (await DemoPrerequisites.EnsureAsync(sample, DemoMachine.Current, narrator, Path.Combine(home, ".catalytic", "demo-setup"), cancellationToken) is { } lacking)
        {
            return narrator.Fail(lacking);
        }

        narrator.Say($"sample service   {sample}");
        narrator.Say($"demo repository  {work}  (a fresh git repository; everything the demo writes stays below it)");

        await PrepareRepositoryAsync(sample, work, narrator, cancellationToken);
        var logs = Path.Combine(work, ".catalytic", "demo-logs");
        Directory.CreateDirectory(logs);

        await using var server = await DemoServer.StartAsync(work, Path.Combine(logs, "serve.log"), narrator, time, cancellationToken);
        var delivery = new DemoDelivery(Path.Combine(work, ".catalytic"), narrator, time);

        narrator.Step("Production runs the previous release");
        narrator.Say($"publishing the first commit as lattice {BaselineVersion} and deploying it to production (blue-green, approval required)…");
        var baseline = Path.Combine(work, ".catalytic", "baseline");
        var publish = await SelfProcess.LoggedAsync("dotnet",
            ["publish", "src/Lattice.Api/Lattice.Api.csproj", "-c", "Release", "-o", baseline, $"-p:Version={BaselineVersion}", "--nologo"],
            work, Path.Combine(logs, "baseline-publish.log"), cancellationToken);
        if (publish != 0)
        {
            return narrator.Fail($"publishing the baseline failed; see {Path.Combine(logs, "baseline-publish.log")}");
        }

        var first = await delivery.DeployApprovedAsync("production", baseline, BaselineVersion, cancellationToken);
        if (first.State != "succeeded")
        {
            return narrator.Fail($"the baseline deployment ended {first.State}: {first.Reason}; see {server.LogFile}");
        }

        narrator.Step("Live traffic on the edge");
        narrator.Say($"traffic: 8 connections on the production edge {ProductionUrl} and 2 on staging {StagingUrl}, each a request every 20 ms, for as long as the pipeline runs");
        await using var load = new DemoLoad(ProductionUrl, connections: 8, TimeSpan.FromMilliseconds(20), time);
        await using var stagingLoad = new DemoLoad(StagingUrl, connections: 2, TimeSpan.FromMilliseconds(20), time);
        load.Start();
        stagingLoad.Start();
        using var approverStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var approver = delivery.ApproveWhenAskedAsync(["staging", "production"], approverStop.Token);

        var sha = await CommitChangeAsync(work, narrator, cancellationToken);
        var pipelineStarted = time.GetTimestamp();
        var runs = new DemoRun(Path.Combine(work, ".catalytic"), narrator, time);
        var run = await runs.FindAsync(sha, TimeSpan.FromSeconds(60), cancellationToken);
        RunDetailView? detail = null;
        var runCount = 0;
        var jobApprovals = (IReadOnlyList<DemoDelivery.Approval>)[];
        if (run is null)
        {
            narrator.Say($"serve recorded no run for commit {sha[..12]} within 60 s (it starts one within 2 s of a commit on a watched branch); see {server.LogFile} and `catalytic runs` in {work}");
        }
        else
        {
            narrator.Step($"The pipeline: run {run.Id}, started by serve for commit {sha[..12]}");
            narrator.Say($"{run.Workflow} #{run.RunNumber} ({run.Event} to {run.Ref}) runs on serve's embedded worker; the demo follows it through the run API, as `catalytic logs --run {run.Id} -f` does");
            (detail, jobApprovals) = await runs.FollowAsync(run.Id, cancellationToken);
            runCount = await runs.CountAsync(sha, run.Workflow, cancellationToken);
            if (runCount != 1)
            {
                narrator.Say($"serve recorded {runCount} runs of {run.Workflow} for commit {sha[..12]}; one push makes one run (see `catalytic runs` and {server.LogFile})");
            }
        }

        var pipelineTime = time.GetElapsedTime(pipelineStarted);
        await approverStop.CancelAsync();
        var approvals = await approver;
        await load.DisposeAsync();
        await stagingLoad.DisposeAsync();

        var summary = new DemoSummary(detail, sha, runCount, await delivery.StatusAsync(cancellationToken), load, [.. jobApprovals, .. approvals], pipelineTime);
        summary.Print(narrator, ProductionUrl, StagingUrl, work, server);
        var ok = detail?.Run.ExitCode == ExitCodes.Success && load.Failed == 0 && runCount == 1;

        if (args.Has("keep"))
        {
            narrator.Say("");
            narrator.Say($"--keep: the platform keeps serving (production {ProductionUrl.GetLeftPart(UriPartial.Authority)}, staging {StagingUrl.GetLeftPart(UriPartial.Authority)}). Ctrl-C stops it.");
            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                // Ctrl-C: fall through to stop the server.
            }
        }

        await server.StopAsync();
        narrator.Say($"stopped the platform and its instances; the demo took {Format(time.GetElapsedTime(started))}.");
        return ok ? ExitCodes.Success : ExitCodes.Failure;
    }

    /// <summary>samples/lattice of the checkout this binary was built from (artifacts/cli/ sits two levels below it).</summary>
    private static string? FindSample()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "samples", "lattice");
            if (File.Exists(Path.Combine(candidate, "catalytic.yml")))
            {
                return candidate;
            }
        }

        return null;
    }

    internal static string Format(TimeSpan t) =>
        t.TotalSeconds < 1 ? $"{t.TotalMilliseconds:0} ms"
        : t.TotalMinutes < 1 ? string.Create(CultureInfo.InvariantCulture, $"{t.TotalSeconds:0.0} s")
        : $"{(int)t.TotalMinutes} min {t.Seconds:00} s";
}
