using System.Text.Json;
using System.Text.Json.Nodes;

namespace Catalytic.Cli.Commands.Demo;

/// <summary>The demo's use of the delivery commands, through the same CLI verbs a person types.</summary>
internal sealed class DemoDelivery(string work, Narrator narrator)
{
    /// <summary>An approval the demo gave in a person's place.</summary>
    public sealed record Approval(string Environment, string Id, string? Version);

    /// <summary>Deploys, approves the gate the way a person would, and waits for the end.</summary>
    public async Task<bool> DeployApprovedAsync(string environment, string artifact, string version, CancellationToken ct)
    {
        var (exit, o, e) = await CliAsync(ct, "deploy", DemoCommandApp, "--env", environment, "--artifact", artifact, "--version", version);
        Echo(o, e);
        if (exit == ExitCodes.WaitingForApproval)
        {
            narrator.Say($"{environment} asks for an approval; the demo approves it for you (a person runs: catalytic approve {DemoCommandApp} --env {environment})");
            (exit, o, e) = await CliAsync(ct, "approve", DemoCommandApp, "--env", environment);
            Echo(o, e);
        }

        return exit == ExitCodes.Success;
    }

    /// <summary>Watches <paramref name="environment"/> and approves every deployment that waits at its gate, until stopped.</summary>
    public async Task<IReadOnlyList<Approval>> ApproveWhenAskedAsync(string environment, CancellationToken ct)
    {
        var given = new List<Approval>();
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(500, ct);
                var status = await StatusAsync(ct, environment);
                foreach (var waiting in Waiting(status))
                {
                    if (given.Exists(a => a.Id == waiting.Id))
                    {
                        continue;
                    }

                    narrator.Say($"» production deployment {waiting.Id} ({waiting.Version}) waits for approval: the demo approves it, as a person would with `catalytic approve {DemoCommandApp} --env {environment}`");
                    var (exit, _, err) = await CliAsync(CancellationToken.None, "approve", DemoCommandApp, "--env", environment, "--id", waiting.Id, "--no-wait");
                    if (exit is ExitCodes.Success or ExitCodes.WaitingForApproval)
                    {
                        given.Add(new Approval(environment, waiting.Id, waiting.Version));
                    }
                    else
                    {
                        narrator.Say($"» approve failed: {err.Trim()}");
                    }
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return given;
    }

    public async Task<JsonNode?> StatusAsync(CancellationToken ct, string? environment = null)
    {
        string[] args = environment is null ? ["status", DemoCommandApp, "--json"] : ["status", DemoCommandApp, "--env", environment, "--json"];
        var (exit, o, _) = await CliAsync(ct, args);
        if (exit != 0)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(o);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private const string DemoCommandApp = "lattice";

    private static IEnumerable<(string Id, string? Version)> Waiting(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                if (o["state"]?.GetValueKind() == JsonValueKind.String
                    && o["state"]!.GetValue<string>().Contains("approval", StringComparison.OrdinalIgnoreCase)
                    && o["id"]?.ToString() is { } id)
                {
                    yield return (id, o["version"]?.ToString());
                }

                foreach (var (_, child) in o)
                {
                    foreach (var w in Waiting(child))
                    {
                        yield return w;
                    }
                }

                break;
            case JsonArray a:
                foreach (var child in a)
                {
                    foreach (var w in Waiting(child))
                    {
                        yield return w;
                    }
                }

                break;
        }
    }

    private void Echo(string stdout, string stderr)
    {
        foreach (var line in (stdout + stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            narrator.Say(line);
        }
    }

    private Task<(int Exit, string Out, string Err)> CliAsync(CancellationToken ct, params string[] args) =>
        SelfProcess.CaptureAsync(SelfProcess.Executable, args, work, ct);
}
