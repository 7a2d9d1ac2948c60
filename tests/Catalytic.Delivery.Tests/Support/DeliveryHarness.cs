using System.Net;
using Catalytic.Delivery.Config;
using Catalytic.Delivery.Deployments;
using Catalytic.Delivery.Model;
using Catalytic.Delivery.Targets;
using Catalytic.Edge.Proxy;
using Catalytic.Edge.Routing;
using Catalytic.Storage;

namespace Catalytic.Delivery.Tests.Support;

/// <summary>
/// A real delivery stack in-process: SQLite store in a temp state folder, the YARP edge listening on a free port,
/// the engine with real processes. <c>{listen}</c> in the YAML is replaced with the edge's address.
/// </summary>
public sealed class DeliveryHarness : IAsyncDisposable
{
    private DeliveryHarness(string root, string yaml, int port)
    {
        Root = root;
        Port = port;
        ConfigPath = Path.Combine(root, "catalytic.yml");
        File.WriteAllText(ConfigPath, yaml.Replace("{listen}", $"127.0.0.1:{port}", StringComparison.Ordinal));
        Store = new SqliteDeliveryStore(Path.Combine(root, ".catalytic", "catalytic.db"));
        Router = new EdgeRouter();
        Edge = new EdgeHost(Router);
        Engine = new DeliveryEngine(Path.Combine(root, ".catalytic"), () => DeliveryConfigParser.Load(ConfigPath), Store, Router, Router, TimeProvider.System, CatalyticCli.MaskCommand);
    }

    public string Root { get; }

    public int Port { get; }

    public string ConfigPath { get; }

    public SqliteDeliveryStore Store { get; }

    public EdgeRouter Router { get; }

    public EdgeHost Edge { get; }

    public DeliveryEngine Engine { get; }

    public Uri EdgeUrl => new($"http://127.0.0.1:{Port}/");

    public static async Task<DeliveryHarness> StartAsync(string yaml, string app = "web", string environment = "production")
    {
        var root = Directory.CreateTempSubdirectory("catalytic-delivery-").FullName;
        var h = new DeliveryHarness(root, yaml, ProcessSupervisor.FreePort());
        await h.Store.InitializeAsync();
        await h.Edge.StartAsync(app, environment, new IPEndPoint(IPAddress.Loopback, h.Port));
        return h;
    }

    public string Artifact(string version, double failRate = 0, double delay = 0) => TestApp.Write(Root, version, failRate, delay);

    /// <summary>Starts a deployment and waits until it is terminal or at a gate.</summary>
    public async Task<Deployment> DeployAsync(string version, double failRate = 0, string? strategy = null, TimeSpan? timeout = null, string app = "web", string env = "production")
    {
        var result = await Engine.DeployAsync(new DeployRequest(app, env, Artifact(version, failRate), version, strategy, "test"));
        Assert.True(result.Error is null, result.Error?.Message + " " + string.Join("\n", result.Error?.Details ?? []));
        return await WaitAsync(result.Value!.Id, timeout);
    }

    public async Task<Deployment> WaitAsync(string id, TimeSpan? timeout = null, Func<Deployment, bool>? until = null)
    {
        until ??= d => d.State.IsTerminal() || d.State == DeploymentState.WaitingForApproval;
        var deadline = DateTimeOffset.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var d = (await Store.GetDeploymentAsync(id))!;
            if (until(d))
            {
                return d;
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                var events = await Store.ListEventsAsync(id);
                Assert.Fail($"deployment {id} still {d.State.Name()} ({d.Reason}) after timeout; events:\n{string.Join("\n", events.Select(e => e.State.Name() + ": " + e.Message))}");
            }

            await Task.Delay(25);
        }
    }

    public async Task<string> EventsAsync(string id) =>
        string.Join("\n", (await Store.ListEventsAsync(id)).Select(e => $"{e.State.Name()}: {e.Message}"));

    /// <summary>GET through the edge; returns (status, version).</summary>
    public async Task<(int Status, string Version)> GetAsync(string path = "/")
    {
        using var http = new HttpClient();
        using var r = await http.GetAsync(new Uri(EdgeUrl, path));
        return ((int)r.StatusCode, (await r.Content.ReadAsStringAsync()).Split(' ')[0].Trim());
    }

    public async ValueTask DisposeAsync()
    {
        await Engine.DisposeAsync();
        await Edge.DisposeAsync();
        await Store.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
