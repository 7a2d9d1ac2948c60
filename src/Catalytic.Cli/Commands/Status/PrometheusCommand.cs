using Catalytic.Status.Config;
using Catalytic.Status.Prometheus;

namespace Catalytic.Cli.Commands.Status;

/// <summary>`catalytic prometheus rules [--out FILE]`: the built-in alerts as Prometheus rules (thresholds from catalytic.yml).</summary>
internal sealed class PrometheusCommand : ICommand
{
    public CommandSpec Spec { get; } = new("prometheus", "prometheus rules [--config FILE] [--out FILE]",
        "Write the Prometheus alerting rules over Catalytic's /metrics (checks, SLO burn rates, edge, deployments, pipelines, notifications); thresholds and runbooks from catalytic.yml's `alerts:`.",
        [new("config", "c", "catalytic.yml to read thresholds from (default catalytic.yml; optional)", "FILE"), new("out", "o", "Write to FILE instead of standard output", "FILE")],
        MaxPositionals: 1);

    public async Task<int> ExecuteAsync(CliArgs args, CancellationToken cancellationToken)
    {
        if (args.Positional(0) != "rules")
        {
            throw new UsageException("usage: catalytic prometheus rules [--out FILE]");
        }

        if (StatusCommandConfig.Load(args) is not { } config)
        {
            return ExitCodes.Invalid;
        }

        var text = RulesWriter.Write(config);
        if (args.Get("out") is { } file)
        {
            await File.WriteAllTextAsync(file, text, cancellationToken);
            Console.Error.WriteLine($"wrote {RulesWriter.Rules(config).Length} alert rules to {file}");
        }
        else
        {
            Console.Out.Write(text);
        }

        return ExitCodes.Success;
    }
}

/// <summary>Reads the status sections for the offline verbs; prints errors (file:line:column) and returns null when invalid.</summary>
internal static class StatusCommandConfig
{
    public static StatusConfig? Load(CliArgs args)
    {
        var path = args.Get("config") ?? "catalytic.yml";
        if (args.Get("config") is not null && !File.Exists(path))
        {
            Console.Error.WriteLine($"{path}:1:1: file not found");
            return null;
        }

        var (config, errors) = StatusConfigParser.Load(path);
        foreach (var e in errors)
        {
            Console.Error.WriteLine(e);
        }

        return config;
    }
}
