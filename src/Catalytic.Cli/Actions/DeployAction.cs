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
/// <remarks>
/// Where it deploys: in a job of a worker — remote (<c>catalytic worker</c>) or serve's embedded one — through the server
/// that handed out the job, with the job's own credential (valid while the job runs, for its deployments only; the
/// deployment is requested by <c>job:RUN/JOB</c>), sending the artifact folder as a tar stream (a remote worker's folders
/// are not the server's; the embedded worker's job sends it the same way, so a job's credential never names a path on
/// the server); under <c>catalytic run</c>, through the serve of the job's state folder with its local credential.
/// </remarks>
internal sealed class DeployAction : IBuiltinAction
{
    private readonly string? _serverState;
    private readonly Uri? _server;
    private readonly string? _jobToken;

    /// <summary>Deploys through the serve of the job's state folder (<c>catalytic run</c> in the served repository).</summary>
    public DeployAction()
    {
    }

    /// <summary>Deploys through the server at <paramref name="server"/> with a job's credential (a remote worker's job).</summary>
    public DeployAction(Uri server, string jobToken) => (_server, _jobToken) = (server, jobToken);

    /// <summary>Deploys through the serve of <paramref name="serverState"/> with a job's credential (a job of its embedded worker).</summary>
    public DeployAction(string serverState, string jobToken) => (_serverState, _jobToken) = (serverState, jobToken);

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
            client = _server is { } server
                ? DeliveryClient.ForServer(server, _jobToken!, context.Time)
                : DeliveryClient.Connect(_serverState ?? context.StateDirectory, context.Time, _jobToken);
        }
        catch (DeliveryApiException e)
        {
            return ActionResult.Fail($"catalytic/deploy: {e.Message} (state directory {_serverState ?? context.StateDirectory})");
        }

        using (client)
        {
            try
            {
                if (_server is not null)
                {
                    context.Log($"sending {artifact} to the server {client.BaseAddress} (the job runs on a worker)");
                }

                var started = _jobToken is null
                    ? await client.DeployAsync(new DeployBody(app, environment, artifact, Input("version"), Input("strategy")), cancellationToken)
                    : await client.DeployUploadAsync(app, environment, artifact, Input("version"), Input("strategy"), cancellationToken);
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
                var message = _server is { } server && e.Status == 0 ? $"the server {server} did not answer" : e.Message;
                return ActionResult.Fail($"catalytic/deploy: {message}{details}");
            }
            catch (HttpRequestException e)
            {
                return ActionResult.Fail($"catalytic/deploy: the server did not answer: {e.Message}");
            }
        }
    }
}
