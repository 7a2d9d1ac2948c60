using Catalytic.Contracts.Deployments;

namespace Catalytic.Cli.Commands;

/// <summary>`catalytic rollback APP --env ENV [--to VERSION]`: puts the previous (or named) release back.</summary>
internal sealed class RollbackCommand : ICommand
{
    public CommandSpec Spec { get; } = new("rollback", "rollback APP --env ENV [--to VERSION]",
        "Interrupt the running deployment, or make the previous (or --to) release live again; one swap when it is still warm.",
        [DeliveryCommandSupport.Env, new("to", null, "Version to return to (default: the previous one)", "VERSION"), DeliveryCommandSupport.State],
        MaxPositionals: 1);

    public Task<int> ExecuteAsync(CliArgs args, CancellationToken cancellationToken)
    {
        var app = DeliveryCommandSupport.RequireApp(args, "rollback");
        var env = DeliveryCommandSupport.RequireEnv(args, "rollback");
        return DeliveryCommandSupport.WithClientAsync(args, "rollback", async client =>
        {
            var d = await client.RollbackAsync(app, env, args.Get("to"), cancellationToken);
            var done = await client.WaitAsync(d.Id, DeliveryCommandSupport.PrintEvent, throughGates: false, cancellationToken);
            Console.Out.WriteLine($"{done.Id} {done.State}: {done.Reason}");
            return done.State is DeploymentStateNames.Succeeded or DeploymentStateNames.RolledBack ? ExitCodes.Success : ExitCodes.Failure;
        });
    }
}
