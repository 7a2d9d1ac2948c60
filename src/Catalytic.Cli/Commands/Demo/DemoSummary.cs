using System.Globalization;
using Catalytic.Cli.Client;
using Catalytic.Contracts.Deployments;
using Catalytic.Contracts.Status;
using Catalytic.Runner.Reporting;

namespace Catalytic.Cli.Commands.Demo;

/// <summary>The closing page of the demo: each phase, each deployment, the traffic during the switch, the URLs.</summary>
internal sealed class DemoSummary(RunReport? report, StatusView? status, DemoLoad load, IReadOnlyList<DemoDelivery.Approval> approvals, TimeSpan pipelineTime)
{
    public void Print(Narrator n, Uri production, Uri staging, string work, DemoServer server)
    {
        n.Title("Summary");
        n.Raw("");
        n.Raw($"Pipeline ({(report?.Result ?? "no report")}, {DemoCommand.Format(pipelineTime)}):");
        var jobs = report?.Workflows.SelectMany(w => w.Jobs).ToList() ?? [];
        var width = Math.Max(10, jobs.Count == 0 ? 0 : jobs.Max(j => j.Name.Length));
        foreach (var job in jobs)
        {
            var why = job.Result == "skipped" && job.Reason is { } r ? "  (" + r + ")" : "";
            var failed = job.Steps.FirstOrDefault(s => s.Conclusion == "failure");
            if (failed is not null)
            {
                why = $"  (step \"{failed.Name}\" failed{(failed.Message is null ? "" : ": " + failed.Message)})";
            }

            n.Raw($"  {job.Name.PadRight(width)}  {job.Result,-9} {DemoCommand.Format(TimeSpan.FromMilliseconds(job.DurationMs)),10}{why}");
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
            n.Raw($"  approved by the demo on your behalf: {a.Environment} deployment {a.Id}");
        }

        n.Raw("");
        var switches = string.Join(" → ", load.Switches.Select(s => $"{s.Version} (at {s.At.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s)"));
        n.Raw($"Traffic on production during the pipeline: {load.Requests} requests, {load.Failed} failed{(load.FirstFailure is null ? "" : " (first: " + load.FirstFailure + ")")}");
        n.Raw($"  versions that answered: {(switches.Length == 0 ? "none" : switches)}");
        n.Raw("");
        n.Raw("Where to look:");
        n.Raw($"  production  {production.GetLeftPart(UriPartial.Authority)}   (try: curl {production})");
        n.Raw($"  staging     {staging.GetLeftPart(UriPartial.Authority)}");
        n.Raw($"  run logs    {report?.RunDirectory ?? Path.Combine(work, ".catalytic", "runs")}");
        n.Raw($"  server log  {server.LogFile}");
        n.Raw("");
        n.Raw("What happened: the demo laid the lattice API out as a git repository, started the platform (catalytic serve),");
        n.Raw("put its first release in production, committed a change and ran the repository's own GitHub Actions");
        n.Raw("workflow (catalytic run push): eight phases, then a rolling deployment to staging and a blue-green one to");
        n.Raw("production behind an approval, judged on live traffic by the edge. Next: README.md and docs/.");
    }
}
