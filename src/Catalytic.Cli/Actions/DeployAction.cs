using Catalytic.Cli.Client;
using Catalytic.Contracts.Deployments;
using Catalytic.Runner.Actions;

namespace Catalytic.Cli.Actions;

/// <summary>
/// `catalytic/deploy@v1`: ships an artifact through the `catalytic serve` of the workspace's state directory and
/// fails the step unless the deployment succeeds. A gate waits for its approval like a GitHub environment's
/// protection rule does; the step's `timeout-minutes` bounds the wait.
/// Inputs: app, environment (required), artifact (folder, default the workspace), version, strategy, wait-for-approval (default true).
/// Outputs: deployment-id, state, version, previous-version.
/// </summary>
/// <param name="serverState">The state folder of the serve to deploy through; null: the job's state folder (`catalytic run` in the served repository).</param>
internal sealed class DeployAction(string? serverState = null) : IBuiltinAction
{
    public IReadOnlyList<string> Names { get; } = ["catalytic/deploy"];

    public async Task<ActionResult> RunAsync(ActionContext context, CancellationToken cancellationToken)
    {
        string? Input(string name) => context.Inputs.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v) ? v.Trim() : null;
        var app = Input("app");
        var environment = Input("environment");
        if (app is null || environment is null)
        {
            return ActionResult.Fail($"catalytic/deploy: input '{(app is null ? "app" : "environment")}' is required");
        }

        var artifact = Path.GetFullPath(Input("artifact") ?? ".", context.Workspace);
        if (!Directory.Exists(artifact))
        {
            return ActionResult.Fail($"catalytic/deploy: artifact folder '{artifact}' does not exist");
        }

        var waitForApproval = !string.Equals(Input("wait-for-approval"), "false", StringComparison.OrdinalIgnoreCase);
        DeliveryClient client;
        try
        {
            client = DeliveryClient.Connect(serverState ?? context.StateDirectory, context.Time);
        }
        catch (DeliveryApiException e)
        {
            return ActionResult.Fail($"catalytic/deploy: {e.Message} (state directory {serverState ?? context.StateDirectory})");
        }

        using (client)
        {
            try
            {
                var started = await client.DeployAsync(new DeployBody(app, environment, artifact, Input("version"), Input("strategy")), cancellationToken);
                context.SetOutput("deployment-id", started.Id);
                context.Log($"deployment {started.Id}: {app} {started.Version} to {environment} ({started.Strategy})");
                void Log(EventView e) => context.Log($"  {e.State}: {e.Message}");
                var d = await client.WaitAsync(started.Id, Log, throughGates: false, cancellationToken);
                if (d.IsWaiting && waitForApproval)
                {
                    context.Log($"waiting for approval: run `catalytic approve {app} --env {environment}` (or reject) in the server's directory");
                    d = await client.WaitAsync(started.Id, Log, throughGates: true, cancellationToken, skipEvents: d.Events?.Count ?? 0);
                }

                context.SetOutput("state", d.State);
                context.SetOutput("version", d.Version);
                context.SetOutput("previous-version", d.PreviousVersion ?? "");
                return d.State == DeploymentStateNames.Succeeded || (d.IsWaiting && !waitForApproval)
                    ? ActionResult.Success
                    : ActionResult.Fail($"deployment {d.Id} of {app} {d.Version} to {environment} ended {d.State}: {d.Reason}");
            }
            catch (DeliveryApiException e)
            {
                var details = e.Errors.Count > 0 ? " (" + string.Join("; ", e.Errors) + ")" : "";
                return ActionResult.Fail($"catalytic/deploy: {e.Message}{details}");
            }
            catch (HttpRequestException e)
            {
                return ActionResult.Fail($"catalytic/deploy: the server did not answer: {e.Message}");
            }
        }
    }
}
