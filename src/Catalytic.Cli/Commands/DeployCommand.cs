using Catalytic.Contracts.Deployments;

namespace Catalytic.Cli.Commands;

/// <summary>`catalytic deploy APP --env ENV --artifact DIR`: ships a release through the running server.</summary>
internal sealed class DeployCommand : ICommand
{
    public CommandSpec Spec { get; } = new("deploy", "deploy APP --env ENV --artifact DIR [--version V] [--strategy S] [--no-wait]",
        "Copy an artifact into the release store and deploy it with the environment's strategy. Exit 0 succeeded, 1 failed or rolled back, 3 waiting for approval.",
        [
            DeliveryCommandSupport.Env,
            new("artifact", "a", "Folder to release (copied; immutable once stored)", "DIR"),
            new("version", null, "Release version (default: content hash)", "V"),
            new("strategy", null, "rolling | blue-green | canary (default: the environment's)", "S"),
            new("no-wait", null, "Return once the deployment is recorded"),
            DeliveryCommandSupport.State,
        ], MaxPositionals: 1);

    public Task<int> ExecuteAsync(CliArgs args, CancellationToken cancellationToken)
    {
        var app = DeliveryCommandSupport.RequireApp(args, "deploy");
        var env = DeliveryCommandSupport.RequireEnv(args, "deploy");
        var artifact = args.Get("artifact") ?? throw new UsageException("--artifact DIR is required");
        return DeliveryCommandSupport.WithClientAsync(args, "deploy", async client =>
        {
            var started = await client.DeployAsync(new DeployBody(app, env, Path.GetFullPath(artifact), args.Get("version"), args.Get("strategy")), cancellationToken);
            if (args.Has("no-wait"))
            {
                return DeliveryCommandSupport.ReportRecorded(started);
            }

            Console.Error.WriteLine($"deployment {started.Id}: {app} {started.Version} to {env}");
            var done = await client.WaitAsync(started.Id, DeliveryCommandSupport.PrintEvent, throughGates: false, cancellationToken);
            return DeliveryCommandSupport.Report(done);
        });
    }
}
