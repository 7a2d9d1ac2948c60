using System.Collections.Immutable;
using System.Net;
using System.Text.Json;
using Catalytic.Contracts;
using Catalytic.Contracts.Deployments;
using Catalytic.Contracts.Json;
using Catalytic.Contracts.Server;
using Catalytic.Delivery.Config;
using Catalytic.Delivery.Deployments;
using Catalytic.Delivery.Storage;
using Catalytic.Delivery.Time;
using Catalytic.Edge.Proxy;
using Catalytic.Edge.Routing;
using Catalytic.Pipelines.Environments;
using Catalytic.Pipelines.Queue;
using Catalytic.Pipelines.Repositories;
using Catalytic.Pipelines.Runs;
using Catalytic.Pipelines.Triggers;
using Catalytic.Contracts.Access;
using Catalytic.Platform.Config;
using Catalytic.Server.Api;
using Catalytic.Server.Auth;
using Catalytic.Server.Dashboard;
using Catalytic.Server.Logging;
using Catalytic.Server.SecretStore;
using Catalytic.Server.Status;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Catalytic.Server.Hosting;

/// <summary>
/// `catalytic serve`: the long-running platform process. Opens the store, starts one edge listener per
/// configured environment, restores the live versions, serves the API on 127.0.0.1 and writes where it
/// listens (server.json) and a fresh bearer token (server.token, readable by the user only) into the state folder.
/// </summary>
public sealed class CatalyticServer : IAsyncDisposable
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(1);
    private readonly ServerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _log;
    private readonly bool _ownsLoggers;
    private WebApplication? _app;
    private EdgeHost? _edge;
    private DeliveryEngine? _engine;
    private ServerStores? _stores;
    private PipelineTriggers? _triggers;
    private Catalytic.Pipelines.Workers.Files.RunFileStores? _workerFiles;
    private RunScheduler? _scheduler;
    private RunQueueLoops? _loops;
    private EmbeddedWorker? _worker;
    private Catalytic.Status.Hosting.StatusService? _status;
    private IDisposable? _pipelineStatus;

    /// <summary>Prepares a server; <see cref="StartAsync"/> starts it.</summary>
    /// <param name="time">The clock of every timeout, delay and interval of the server and its engine.</param>
    /// <param name="loggers">Where the server, the engine and the store log; serve's console form (stderr) when null.</param>
    public CatalyticServer(ServerOptions options, TimeProvider time, ILoggerFactory? loggers = null)
    {
        _options = options;
        _time = time;
        _loggers = loggers ?? LoggerFactory.Create(ServeConsoleFormatter.Configure);
        _ownsLoggers = loggers is null;
        _log = _loggers.CreateLogger<CatalyticServer>();
    }

    /// <summary>The API address once started.</summary>
    public Uri? ApiAddress { get; private set; }

    /// <summary>The engine once started.</summary>
    public DeliveryEngine Engine => _engine ?? throw new InvalidOperationException("not started");

    /// <summary>Runs until <paramref name="ct"/> is cancelled. Returns <see cref="ExitCodes.Success"/>, or <see cref="ExitCodes.Invalid"/> when the configuration is invalid.</summary>
    public static async Task<int> RunAsync(ServerOptions options, TimeProvider time, CancellationToken ct)
    {
        await using var server = new CatalyticServer(options, time);
        var errors = await server.StartAsync(ct);
        if (errors is not null)
        {
            foreach (var e in errors)
            {
                await Console.Error.WriteLineAsync(e);
            }

            return ExitCodes.Invalid;
        }

        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, time, ct);
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C or SIGTERM: the normal way to stop.
        }

        server._log.Stopping();
        return ExitCodes.Success;
    }

    /// <summary>Starts everything; returns the configuration errors instead when catalytic.yml is invalid (nothing is started then).</summary>
    public async Task<IReadOnlyList<string>?> StartAsync(CancellationToken ct = default)
    {
        var state = Path.GetFullPath(_options.StateDirectory);
        var configPath = Path.GetFullPath(_options.ConfigPath);
        var configFile = CatalyticFile.Watch(configPath);
        var (config, configErrors) = ServeConfig.Read(configFile);
        if (config is null)
        {
            return configErrors;
        }

        if (await AlreadyRunningAsync(state) is { } other)
        {
            return [$"a catalytic server already runs for {state} at {other}"];
        }

        Directory.CreateDirectory(state);
        var stores = _stores = await ServerStores.OpenAsync(_options, state, _time, _loggers, ct);
        _scheduler = new RunScheduler(stores.Runs, new RunSchedulerOptions
        {
            Time = _time,
            LeaseDuration = _options.WorkerLease,
            Logger = _loggers.CreateLogger("Catalytic.Pipelines.Runs"),
            Secrets = new EnvironmentSecretSource(state),
            Workspace = state,
            ServerUrl = () => ApiAddress ?? new Uri("http://127.0.0.1/"),
            Environments = new EnvironmentRulesFile(configFile, _loggers.CreateLogger("Catalytic.Pipelines.Runs")).Current,
        });
        var router = new EdgeRouter(_time);
        _edge = new EdgeHost(router);
        _engine = new DeliveryEngine(state, () => ServeConfig.DeliveryNow(configFile), stores.Delivery, router, router, _time, _options.LogMasker, _loggers);
        // Environments with a live version queue their requests until the restore has routed it, instead of 503.
        await _engine.HoldLiveAsync(ct);

        foreach (var spec in EdgeListeners.FromConfig(config.Delivery, Path.GetDirectoryName(configPath)!))
        {
            EdgeListenerBinding bound;
            try
            {
                bound = await _edge.StartAsync(spec, ct);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException)
            {
                // A certificate that cannot be used, an address in use: said as the config's errors are, not as a crash.
                return [$"{configPath}: the edge cannot listen on {spec.EndPoint} ({string.Join(", ", spec.Routes.Select(r => $"{r.App}/{r.Environment}"))}): {e.Message}"];
            }

            foreach (var route in spec.Routes)
            {
                _log.EdgeListening(route.App, route.Environment, spec.IsTls ? "https" : "http", bound.EndPoint.ToString(), EdgeListeners.Describe(route.Match));
            }
        }

        var token = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = state });
        ServeConsoleFormatter.Configure(builder.Logging);
        builder.WebHost.ConfigureKestrel(k => k.Listen(_options.ListenAddress, _options.ApiPort));
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJson.Default));
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(1, AccessJson.Default));
        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton(_engine);
        builder.Services.AddSingleton(stores.Delivery);
        builder.Services.AddSingleton(router);
        builder.Services.AddSingleton(_time);
        builder.Services.AddCatalyticAuth(stores.Access, new ApiToken(token), new AuthSettings(_options.PublicMetrics), new DeliveryApprovalRules(_engine), Auth.JobCredentials.On(stores.Runs));
        builder.Services.AddSingleton(_scheduler);
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Add(Dashboard.Data.DashboardJson.Default));
        builder.Services.AddDashboard();
        _status = await StartStatusAsync(config.Status, config.Delivery, stores.Delivery, state, router, _time, ct);
        builder.Services.AddSingleton(_status);
        _pipelineStatus = PipelineStatus.Connect(_status, _scheduler);
        _app = builder.Build();
        _app.UseStorageFullAnswers(_log);
        _app.UseCatalyticAuth();
        _app.MapAccessEndpoints();
        _app.MapDashboard();
        _app.MapDeliveryEndpoints(Path.Combine(state, "uploads"));
        _app.MapStatusEndpoints();
        _app.MapStatusMetrics();
        _app.MapWorkerCheckEndpoints();
        _triggers = CreateTriggers(configPath, state, config.Repositories, _time);
        _app.MapPipelineEndpoints(_triggers);
        // Remote workers take jobs from the server's own queue unless a host or a test gives another.
        var dispatcher = _options.Dispatcher ?? new JobDispatcher(_scheduler);
        // One place for every run's artifacts and caches: remote workers reach it through the worker protocol, the
        // embedded worker directly, the API serves it.
        var runFiles = _workerFiles = new Catalytic.Pipelines.Workers.Files.RunFileStores(Path.Combine(state, "run-files"), _time, log: _loggers.CreateLogger("Catalytic.Workers"));
        runFiles.ClearIncoming();
        var gateway = new Catalytic.Pipelines.Workers.Serving.WorkerGateway(dispatcher, runFiles, _time, _loggers.CreateLogger("Catalytic.Workers"));
        _app.MapWorkerEndpoints(gateway, Path.Combine(state, "repositories"));

        _app.MapRunEndpoints(_scheduler, _triggers, runFiles, _time);
        _app.MapSecretEndpoints(state);
        await _app.StartAsync(ct);
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        ApiAddress = new Uri(address.TrimEnd('/') + "/");
        if (_options.ListenAddress.Equals(IPAddress.Any) || _options.ListenAddress.Equals(IPAddress.IPv6Any))
        {
            // A wildcard is no address to connect to: workers and the CLI are given the machine's name.
            ApiAddress = new UriBuilder(ApiAddress) { Host = Dns.GetHostName() }.Uri;
        }

        await SecretFiles.WriteAsync(Path.Combine(state, ServerFiles.Token), token, ct);
        await File.WriteAllTextAsync(Path.Combine(state, ServerFiles.Info),
            JsonSerializer.Serialize(new ServerInfo(ApiAddress.ToString(), Environment.ProcessId, _time.GetUtcNow()), ApiJson.Default.ServerInfo), ct);
        _log.ApiListening(ApiAddress.ToString(), state);
        if (_workerFiles is not null)
        {
            _log.WorkersConnectTo(ApiAddress.ToString());
        }

        // Whatever the last process left half-done is taken up before new work comes: its embedded worker's jobs are lost.
        var workerName = EmbeddedWorkerName(state);
        await _scheduler.RecoverAsync(workerName, ct);
        _loops = new RunQueueLoops(_scheduler, config.Retention);
        if (_options.WorkerCapacity > 0)
        {
            var workerOptions = new EmbeddedWorkerOptions
            {
                Name = workerName,
                Capacity = _options.WorkerCapacity,
                StateDirectory = state,
                Files = runFiles,
                Time = _time,
                Logger = _loggers.CreateLogger("Catalytic.Pipelines.Worker"),
            };
            _worker = new EmbeddedWorker(new JobDispatcher(_scheduler), _scheduler, _options.ConfigureWorker?.Invoke(workerOptions) ?? workerOptions);
            _worker.Start();
        }

        await _triggers.StartAsync(ct);
        foreach (var r in _triggers.Repositories.Values)
        {
            _log.RepositoryWatched(r.Definition.Name, r.Definition.DisplaySource, _options.Postgres is null ? Path.Combine(state, "catalytic.db") : "PostgreSQL");
        }

        // Logs each environment it serves again, or why it could not.
        await _engine.RestoreAsync(ct);
        return null;
    }

    /// <summary>The artifacts and caches kept for workers, once started with a dispatcher.</summary>
    public Catalytic.Pipelines.Workers.Files.RunFileStores? WorkerFiles => _workerFiles;

    /// <summary>Opens the status tables beside the delivery ones and starts checks, alerting and notifications.</summary>
    private async Task<Catalytic.Status.Hosting.StatusService> StartStatusAsync(Catalytic.Status.Config.StatusConfig config, DeliveryConfig delivery, IDeliveryStore deliveries, string state, EdgeRouter router, TimeProvider time, CancellationToken ct)
    {
        var store = Status.StatusHosting.OpenStore(state, _options.Postgres);
        await store.InitializeAsync(ct);
        var status = new Catalytic.Status.Hosting.StatusService(new Catalytic.Status.Hosting.StatusServiceOptions
        {
            Config = config,
            Store = store,
            StateDirectory = state,
            Time = time,
            Deliveries = deliveries,
            ExtraChecks = config.EdgeChecks ? Status.StatusHosting.EdgeChecks(delivery) : [],
            // An environment's edge is checked while it has something live; before its first deployment it has nothing to answer.
            Active = c => !c.Labels.TryGetValue("app", out var app) || !c.Labels.ContainsKey(Catalytic.Status.Checks.CheckMonitor.EdgeLabel)
                || router.Current(app, c.Labels["environment"]) is { Versions.Length: > 0 },
            Logging = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning)),
            Edge = (() => router.Tables().Where(t => !t.Versions.IsEmpty), router),
        });
        Status.StatusHosting.ExposeDelivery(status.Metrics, _engine!, time);
        await status.StartAsync(ct);
        return status;
    }

    /// <summary>The triggers once started.</summary>
    public PipelineTriggers? Triggers => _triggers;

    /// <summary>The run queue once started.</summary>
    public RunScheduler? Runs => _scheduler;

    /// <summary>
    /// The embedded worker's name: the machine's and the state folder's, so it is the same after a restart (its jobs are
    /// found by it) and differs between servers sharing one PostgreSQL.
    /// </summary>
    private static string EmbeddedWorkerName(string state) =>
        "serve-" + Environment.MachineName.ToLowerInvariant() + "-"
        + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(state)))[..8];

    /// <summary>The API's web application once started (tests walk its endpoints).</summary>
    internal WebApplication? App => _app;

    /// <summary>
    /// The triggers of the repository the configuration lives in (the embedded default) and of those catalytic.yml's
    /// <c>repositories:</c> names (an entry of the same name replaces the embedded one), handing each run request to the
    /// run queue.
    /// </summary>
    private PipelineTriggers CreateTriggers(string configPath, string state, ImmutableArray<RepositoryDefinition> repositories, TimeProvider time)
    {
        var served = _options.Triggers ? ServedRepository.Find(Path.GetDirectoryName(configPath)!) : null;
        var services = new TriggerServices
        {
            Queue = _scheduler!,
            ScheduleHistory = _scheduler!,
            Secrets = new EnvironmentSecretSource(state),
            StateDirectory = state,
            Time = time,
            Logger = _loggers.CreateLogger("Catalytic.Pipelines"),
        };
        var configured = _options.Triggers ? repositories : [];
        return new PipelineTriggers(served is null || configured.Any(r => r.Name == served.Name) ? configured : [served, .. configured], services);
    }

    /// <summary>Stops the API, the edge (draining) and every instance, and removes server.json.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_triggers is not null)
        {
            await _triggers.DisposeAsync();
        }

        if (_worker is not null)
        {
            await _worker.DisposeAsync();
        }

        if (_loops is not null)
        {
            await _loops.DisposeAsync();
        }

        if (_app is not null)
        {
            var file = Path.Combine(Path.GetFullPath(_options.StateDirectory), ServerFiles.Info);
            try
            {
                File.Delete(file);
            }
            catch (IOException e)
            {
                _log.ServerFileNotRemoved(e, file);
            }

            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _pipelineStatus?.Dispose();
        if (_status is not null)
        {
            await _status.DisposeAsync();
            await _status.Store.DisposeAsync();
        }

        if (_engine is not null)
        {
            await _engine.DisposeAsync();
        }

        if (_edge is not null)
        {
            await _edge.DisposeAsync();
        }

        if (_stores is not null)
        {
            await _stores.DisposeAsync();
        }

        if (_ownsLoggers)
        {
            // Flushes the console logger's queue: the last lines (stopping, interrupted deployments) are not lost.
            _loggers.Dispose();
        }
    }

    /// <summary>The address of a live server of <paramref name="state"/> (its server.json answers /api/health), or null.</summary>
    private async Task<string?> AlreadyRunningAsync(string state)
    {
        var file = Path.Combine(state, ServerFiles.Info);
        if (!File.Exists(file))
        {
            return null;
        }

        string? url = null;
        try
        {
            url = JsonSerializer.Deserialize(await File.ReadAllTextAsync(file), ApiJson.Default.ServerInfo)?.Url;
            if (url is null)
            {
                return null;
            }

            using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            using var deadline = new Deadline(ProbeTimeout, _time);
            using var r = await http.GetAsync(new Uri(new Uri(url), DeliveryRoutes.Health.TrimStart('/')), deadline.Token);
            return r.IsSuccessStatusCode ? url : null;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or JsonException or UriFormatException)
        {
            // A server.json left by a server that died: it is replaced below.
            _log.NoServerAt(url ?? file, e.Message);
            return null;
        }
    }
}

/// <summary>The state folder's bearer token of this server's API: an admin credential of the server's machine (see docs/security.md).</summary>
public sealed record ApiToken(string Value);
