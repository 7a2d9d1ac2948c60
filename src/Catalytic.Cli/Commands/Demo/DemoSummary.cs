using System.Globalization;
using System.Text.Json.Nodes;
using Catalytic.Runner.Reporting;

namespace Catalytic.Cli.Commands.Demo;

/// <summary>The closing page of the demo: each phase, each deployment, the traffic during the switch, the URLs.</summary>
internal sealed class DemoSummary(RunReport? report, JsonNode? status, DemoLoad load, IReadOnlyList<DemoDelivery.Approval> approvals, TimeSpan pipelineTime)
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
        var deployments = Deployments(status).ToList();
        if (deployments.Count == 0)
        {
            n.Raw("  (the server reported none)");
        }

        foreach (var d in deployments)
        {
            n.Raw($"  {d.Environment,-11} {d.Version,-26} {d.Strategy,-11} {d.State}{(d.Reason is null ? "" : " — " + d.Reason)}");
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

    private sealed record DeploymentLine(string Environment, string Version, string Strategy, string State, string? Reason);

    /// <summary>Every deployment object in the status document (objects that carry an environment, a version and a state).</summary>
    private static IEnumerable<DeploymentLine> Deployments(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                if (o["state"] is JsonValue state && o["version"] is JsonValue version && o["environment"] is JsonValue env)
                {
                    yield return new DeploymentLine(env.ToString(), version.ToString(), o["strategy"]?.ToString() ?? "", state.ToString(), o["reason"]?.ToString());
                    yield break;
                }

                foreach (var (_, child) in o)
                {
                    foreach (var d in Deployments(child))
                    {
                        yield return d;
                    }
                }

                break;
            case JsonArray a:
                foreach (var child in a)
                {
                    foreach (var d in Deployments(child))
                    {
                        yield return d;
                    }
                }

                break;
        }
    }
}
