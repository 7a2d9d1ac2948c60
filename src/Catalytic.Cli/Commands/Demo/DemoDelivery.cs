using Catalytic.Cli.Client;
using Catalytic.Contracts.Deployments;
using Catalytic.Contracts.Status;

namespace Catalytic.Cli.Commands.Demo;

/// <summary>The demo's use of the delivery API: the same client the CLI verbs and the deploy action use.</summary>
internal sealed class DemoDelivery(string stateDirectory, Narrator narrator, TimeProvider time)
{
    public const string App = "lattice";

    /// <summary>An approval the demo gave in a person's place.</summary>
    public sealed record Approval(string Environment, string Id, string Version);

    /// <summary>Deploys, approves the gate as a person would, and waits for the end.</summary>
    public async Task<DeploymentView> DeployApprovedAsync(string environment, string artifact, string version, CancellationToken ct)
    {
        using var client = DeliveryClient.Connect(stateDirectory, time);
        var d = await client.DeployAndWaitAsync(new DeployBody(App, environment, artifact, version), e => narrator.Say($"  {e.State}: {e.Message}"), ct);
        // Every gate gets the demo's approval: the first before traffic moves, and any later one that analysis asks
        // for when it cannot judge (no traffic reaches a release nobody uses yet).
        while (d.IsWaiting)
        {
            narrator.Say($"{environment} waits for a person ({d.Reason}); the demo approves for you (a person runs: catalytic approve {App} --env {environment})");
            var reported = d.Events?.Count ?? 0;
            d = await client.ApproveAsync(App, environment, d.Id, comment: "approved by the demo", ct: ct);
            if (d.IsTerminal)
            {
                break;
            }

            d = await client.WaitAsync(d.Id, e => narrator.Say($"  {e.State}: {e.Message}"), throughGates: false, ct, skipEvents: reported);
        }

        return d;
    }

    /// <summary>Watches the environments and approves each deployment that waits at a gate, until stopped.</summary>
    public async Task<IReadOnlyList<Approval>> ApproveWhenAskedAsync(IReadOnlyList<string> environments, CancellationToken ct)
    {
        var given = new List<Approval>();
        using var client = DeliveryClient.Connect(stateDirectory, time);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(300), time, ct);
                var status = await client.StatusAsync(App, ct: ct);
                foreach (var waiting in status.Environments.Where(e => environments.Contains(e.Environment)).SelectMany(e => e.History).Where(d => d.IsWaiting))
                {
                    var environment = waiting.Environment;
                    narrator.Pipeline($"» demo: {environment} deployment {waiting.Id} ({waiting.Version}) waits for a person: {waiting.Reason}");
                    narrator.Pipeline($"» demo: approving it for you, as a person would with `catalytic approve {App} --env {environment}`");
                    await client.ApproveAsync(App, environment, waiting.Id, comment: "approved by the demo", ct: CancellationToken.None);
                    given.Add(new Approval(environment, waiting.Id, waiting.Version));
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (Exception e) when (e is DeliveryApiException or HttpRequestException)
            {
                narrator.Pipeline($"» demo: could not read or approve a gate: {e.Message}");
            }
        }

        return given;
    }

    public async Task<StatusView?> StatusAsync(CancellationToken ct)
    {
        try
        {
            using var client = DeliveryClient.Connect(stateDirectory, time);
            return await client.StatusAsync(App, ct: ct);
        }
        catch (Exception e) when (e is DeliveryApiException or HttpRequestException)
        {
            narrator.Say("could not read the status: " + e.Message);
            return null;
        }
    }

    /// <summary>True once a server answers for <paramref name="stateDirectory"/>.</summary>
    public static async Task<bool> IsServingAsync(string stateDirectory, TimeProvider time, CancellationToken ct)
    {
        try
        {
            using var client = DeliveryClient.Connect(stateDirectory, time);
            await client.StatusAsync(ct: ct);
            return true;
        }
        catch (Exception e) when (e is DeliveryApiException or HttpRequestException)
        {
            return false;
        }
    }
}
