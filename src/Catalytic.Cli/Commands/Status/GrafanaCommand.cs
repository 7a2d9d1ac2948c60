using Catalytic.Status.Grafana;

namespace Catalytic.Cli.Commands.Status;

/// <summary>`catalytic grafana dashboards [--out DIR]`: Grafana dashboard JSON files for pipelines, deployments and edge, checks and SLOs.</summary>
internal sealed class GrafanaCommand : ICommand
{
    public CommandSpec Spec { get; } = new("grafana", "grafana dashboards [--out DIR] [--config FILE]",
        "Write Grafana dashboards (JSON, a `datasource` variable instead of a fixed uid) for pipelines, deployments and the edge, and checks and SLOs.",
        [new("out", "o", "Folder to write into (default: the current one)", "DIR"), new("config", "c", "catalytic.yml to read the SLO objective from", "FILE")],
        MaxPositionals: 1);

    public async Task<int> ExecuteAsync(CliArgs args, CancellationToken cancellationToken)
    {
        if (args.Positional(0) != "dashboards")
        {
            throw new UsageException("usage: catalytic grafana dashboards [--out DIR]");
        }

        if (StatusCommandConfig.Load(args) is not { } config)
        {
            return ExitCodes.Invalid;
        }

        var dir = args.Get("out") ?? ".";
        Directory.CreateDirectory(dir);
        foreach (var (file, title, panels) in DashboardWriter.Dashboards)
        {
            var path = Path.Combine(dir, file + ".json");
            await File.WriteAllTextAsync(path, DashboardWriter.Write(file, title, panels, config.Kind("slo-burn-rate").Threshold), cancellationToken);
            Console.Error.WriteLine($"wrote {path} ({panels.Length} panels)");
        }

        return ExitCodes.Success;
    }
}
