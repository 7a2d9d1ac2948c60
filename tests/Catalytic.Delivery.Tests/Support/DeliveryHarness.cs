using System.Net;
using Catalytic.Delivery.Config;
using Catalytic.Delivery.Deployments;
using Catalytic.Delivery.Model;
using Catalytic.Delivery.Storage;
using Catalytic.Edge.Proxy;
using Catalytic.Edge.Routing;
using Catalytic.Storage.Sqlite;
using Catalytic.Testing.Apps;
using Catalytic.Testing.Files;
using Catalytic.Testing.Network;
using Catalytic.Testing.Processes;
using Catalytic.Testing.Time;
using Microsoft.Extensions.Time.Testing;

namespace Catalytic.Delivery.Tests.Support;

/// <summary>
/// A real delivery stack in-process: SQLite store in a temp state folder, the edge listening on a free port, the
/// engine with real python3 instances — all on one fake clock (<see cref="Clock"/>) that moves only while the test
/// waits through this harness, so analysis windows, pauses, drains, delays and timeouts pass in the code's own time
/// and a test asserts on that time, never on the machine's speed. <c>{listen}</c> in the YAML is the edge's address.
/// </summary>
public sealed class DeliveryHarness : IAsyncDisposable
{
    private readonly TempFolder _root;

    private DeliveryHarness(TempFolder root, string yaml, int port, IDeliveryStore? store, FakeTimeProvider? clock)
    {
        _root = root;
        Port = port;
        Clock = clock ?? new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
        ConfigPath = root.Write("catalytic.yml", yaml.Replace("{listen}", $"127.0.0.1:{port}", StringComparison.Ordinal));
        Store = store ?? new SqliteDeliveryStore(root[".catalytic/catalytic.db"]);
        Router = new EdgeRouter(Clock);
        Edge = new EdgeHost(Router);
        Tables = new RecordingRouter(Router);
        Engine = new DeliveryEngine(root[".catalytic"], () => DeliveryConfigParser.Load(ConfigPath), Store, Tables, Router, Clock, MaskStage.Command);
    }

    /// <summary>The clock of the engine, its instances and the edge's metrics. Starts at a fixed instant unless shared.</summary>
    public FakeTimeProvider Clock { get; }

    public string Root => _root.Path;

    public int Port { get; }

    public string ConfigPath { get; }

    public IDeliveryStore Store { get; }

    public EdgeRouter Router { get; }

    public EdgeHost Edge { get; }

    /// <summary>Every table the engine applied to the edge, in order.</summary>
    public RecordingRouter Tables { get; }

    public DeliveryEngine Engine { get; }

    public Uri EdgeUrl => new($"http://127.0.0.1:{Port}/");

    /// <summary>
    /// Starts a harness with its edge listening for (app, environment). <paramref name="store"/> (default: SQLite in the
    /// state folder) and <paramref name="clock"/> let several harnesses be several nodes sharing one store and one clock.
    /// </summary>
    public static async Task<DeliveryHarness> StartAsync(string yaml, string app = "web", string environment = "production", IDeliveryStore? store = null, FakeTimeProvider? clock = null)
    {
        var h = new DeliveryHarness(new TempFolder("delivery"), yaml, Ports.FreeTcpPort(), store, clock);
        await h.Store.InitializeAsync();
        await h.Edge.StartAsync(app, environment, new IPEndPoint(IPAddress.Loopback, h.Port));
        return h;
    }

    public string Artifact(string version, double failRate = 0, double delay = 0) => TestApp.Write(Root, version, failRate, delay);

    /// <summary>Starts a deployment and waits (moving the clock) until it is terminal or at a gate.</summary>
    public async Task<Deployment> DeployAsync(string version, double failRate = 0, string? strategy = null, TimeSpan? budget = null, string app = "web", string env = "production")
    {
        var result = await RunAsync(Engine.DeployAsync(new DeployRequest(app, env, Artifact(version, failRate), version, strategy, "test")), $"deploy {version} to be recorded");
        Assert.True(result.Error is null, result.Error?.Message + " " + string.Join("\n", result.Error?.Details ?? []));
        return await WaitAsync(result.Value!.Id, budget);
    }

    /// <summary>
    /// Moves the clock until deployment <paramref name="id"/> satisfies <paramref name="until"/> (default: terminal or at
    /// a gate); fails with its events when more than <paramref name="budget"/> of the clock's time passes first.
    /// </summary>
    public async Task<Deployment> WaitAsync(string id, TimeSpan? budget = null, Func<Deployment, bool>? until = null)
    {
        until ??= d => d.State.IsTerminal() || d.State == DeploymentState.WaitingForApproval;
        var condition = until;
        // A terminal record is written before the run's last steps (the live instances, the warm release): wait for
        // the run to let go of the environment too, so what a test reads next is the run's final state.
        bool Done(Deployment d) => condition(d) && (!d.State.IsTerminal() || Engine.State(d.App, d.Environment).Active?.Id != d.Id);
        var events = "";
        return await Clock.AdvanceUntilAsync(
            async () =>
            {
                var d = (await Store.GetDeploymentAsync(id))!;
                events = await EventsAsync(id);
                return d;
            },
            Done,
            d => $"deployment {id} still {d.State.Name()} ({d.Reason}); events:\n{events}",
            budget: budget ?? TimeSpan.FromMinutes(10));
    }

    /// <summary>Moves the clock while <paramref name="work"/> runs (an engine call that may wait for a run to move).</summary>
    public Task<T> RunAsync<T>(Task<T> work, string what) => Clock.AdvanceWhileAsync(work, what);

    /// <summary>Moves the clock until the edge's table of web/production reads <paramref name="expected"/> (version:weight …).</summary>
    public Task WaitForTableAsync(string expected, string app = "web", string env = "production") =>
        Clock.AdvanceUntilAsync(() => Table(app, env) == expected, () => $"route table is '{Table(app, env)}', expected '{expected}'");

    /// <summary>The edge's table as "version:weight version:weight" ("" when none).</summary>
    public string Table(string app = "web", string env = "production") =>
        Router.Current(app, env) is { } t ? string.Join(" ", t.Versions.Select(v => $"{v.Version}:{v.Weight}")) : "";

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
        // Stopping waits for instances to end (SIGTERM, then SIGKILL after stop-timeout on this clock): keep it moving.
        await Clock.AdvanceWhileAsync(Engine.DisposeAsync().AsTask(), "the engine to stop its runs and instances");
        await Edge.DisposeAsync();
        await Store.DisposeAsync();
        _root.Dispose();
    }
}
