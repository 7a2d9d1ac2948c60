using System.Globalization;
using Catalytic.Cli.Client;
using Catalytic.Contracts.Deployments;
using Catalytic.Contracts.Status;
using Catalytic.Contracts.Runs;

namespace Catalytic.Cli.Commands.Demo;

/// <summary>The closing page of the demo: each phase, each deployment, the traffic during the switch, the URLs.</summary>
internal sealed class DemoSummary(RunDetailView? run, string sha, int runsOfCommit, StatusView? status, DemoLoad load, IReadOnlyList<DemoDelivery.Approval> approvals, TimeSpan pipelineTime)
{
    public void Print(Narrator n, Uri production, Uri staging, string work, DemoServer server)
    {
        n.Title("Summary");
        n.Raw("");
        var result = run is null ? "no run" : run.Run.Conclusion ?? run.Run.Status;
        n.Raw($"Pipeline ({result}, {DemoCommand.Format(pipelineTime)}), started by commit {sha[..Math.Min(12, sha.Length)]} while serve ran"
            + (run is null ? ":" : $" (run {run.Run.Id}, {run.Run.Workflow} #{run.Run.RunNumber}; {(runsOfCommit == 1 ? "the only run" : $"one of {runsOfCommit} runs")} of the commit):"));
        var jobs = run?.Jobs ?? [];
        var width = Math.Max(10, jobs.Count == 0 ? 0 : jobs.Max(j => j.Label.Length));
        foreach (var job in jobs)
        {
            var why = job.Conclusion != "success" && job.Reason is { } r ? "  (" + r + ")" : "";
            var took = job.StartedAt is { } s && job.FinishedAt is { } f ? DemoCommand.Format(f - s) : "-";
            n.Raw($"  {job.Label.PadRight(width)}  {job.Conclusion ?? job.Status,-9} {took,10}{why}");
        }

        n.Raw("");
        n.Raw("Deployments (newest first):");
        var environments = status?.Environments ?? [];
        if (environments.Count == 0)
        {
            n.Raw("  (the server reported none)");
        }

        foreach (var env in environments)
        {
            var traffic = string.Join(", ", env.Traffic.Where(t => t.Weight > 0).Select(t => $"{t.Version} {t.Weight}%"));
            n.Raw($"  {env.Environment} — {env.Listen}, live {env.LiveVersion ?? "none"}, traffic {(traffic.Length == 0 ? "none" : traffic)}, {env.Instances.Count} instance(s)");
            foreach (var d in env.History)
            {
                n.Raw($"    {d.Version,-24} {d.Strategy,-11} {d.State,-12} {d.Reason}");
            }
        }

        foreach (var a in approvals)
        {
            n.Raw(a.Version == "job"
                ? $"  approved by the demo on your behalf: {a.Id}, waiting for environment {a.Environment}"
                : $"  approved by the demo on your behalf: {a.Environment} deployment {a.Id}");
        }

        n.Raw("");
        var switches = string.Join(" → ", load.Switches.Select(s => $"{s.Version} (at {s.At.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s)"));
        n.Raw($"Traffic on production during the pipeline: {load.Requests} requests, {load.Failed} failed{(load.FirstFailure is null ? "" : " (first: " + load.FirstFailure + ")")}");
        n.Raw($"  versions that answered: {(switches.Length == 0 ? "none" : switches)}");
        n.Raw("");
        n.Raw("Where to look:");
        n.Raw($"  production  {production.GetLeftPart(UriPartial.Authority)}   (try: curl {production})");
        n.Raw($"  staging     {staging.GetLeftPart(UriPartial.Authority)}");
        n.Raw(run is null ? "  run logs    catalytic runs (in the demo repository, while serve runs)"
            : $"  run logs    catalytic runs show {run.Run.Id} / catalytic logs --run {run.Run.Id} (in {work}, while serve runs: --keep)");
        n.Raw($"  server log  {server.LogFile}");
        n.Raw("");
        if (run?.Jobs.FirstOrDefault(j => j.Conclusion is "failure" or "cancelled") is { } failed)
        {
            n.Raw($"The pipeline did not succeed: {failed.Label} ended {failed.Conclusion}{(failed.Reason is { } why ? ": " + why : "")}.");
            n.Raw($"  its log: catalytic logs --run {run.Run.Id} --job {failed.Key} (in {work}, with --keep), or the lines marked [{failed.Label}] above");
            n.Raw("");
        }
        else if (run is null)
        {
            n.Raw($"No pipeline ran: serve started no run for the demo's commit; its log {server.LogFile} says why.");
            n.Raw("");
        }

        n.Raw("What happened: the demo laid the lattice API out as a git repository, started the platform (catalytic serve),");
        n.Raw("put its first release in production and committed a change: serve saw the commit and ran the repository's");
        n.Raw("own GitHub Actions workflow on its embedded worker (no catalytic run): eight phases, then a rolling deployment");
        n.Raw("to staging and a blue-green one to production behind an approval, judged on live traffic by the edge.");
        n.Raw("Next: README.md and docs/.");
    }
}
