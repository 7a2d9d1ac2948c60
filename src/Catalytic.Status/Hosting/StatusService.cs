using System.Collections.Immutable;
using System.Threading.Channels;
using Catalytic.Delivery.Storage;
using Catalytic.Status.Alerts;
using Catalytic.Status.Checks;
using Catalytic.Status.Checks.Probes;
using Catalytic.Status.Config;
using Catalytic.Status.Notifications;
using Catalytic.Status.Prometheus;
using Catalytic.Status.Reports;
using Catalytic.Status.Signals;
using Catalytic.Status.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Catalytic.Status.Hosting;

/// <summary>What <see cref="StatusService"/> runs with.</summary>
public sealed record StatusServiceOptions
{
    /// <summary>The parsed configuration (read again by nothing: `serve` reads catalytic.yml once).</summary>
    public required StatusConfig Config { get; init; }

    /// <summary>The store (initialised by the caller).</summary>
    public required IStatusStore Store { get; init; }

    /// <summary>The state folder (secrets are read from its secrets/ folder).</summary>
    public required string StateDirectory { get; init; }

    /// <summary>The clock.</summary>
    public required TimeProvider Time { get; init; }

    /// <summary>The delivery store, for deployment signals and reports; null without delivery.</summary>
    public IDeliveryStore? Deliveries { get; init; }

    /// <summary>Checks added by the host (the edge's health checks).</summary>
    public ImmutableArray<CheckConfig> ExtraChecks { get; init; } = [];

    /// <summary>Whether a check is probed on a turn (edge checks of environments with nothing live are not).</summary>
    public Func<CheckConfig, bool>? Active { get; init; }

    /// <summary>Pipeline history for reports.</summary>
    public IRunHistory? Runs { get; init; }

    /// <summary>Logging.</summary>
    public ILoggerFactory? Logging { get; init; }

    /// <summary>Handler for notification HTTP requests (tests may pass one; default a pooled SocketsHttpHandler).</summary>
    public HttpMessageHandler? NotificationHandler { get; init; }

    /// <summary>Probe override (the benchmark's null probe, tests); default the real HTTP/TCP/TLS/DNS probes.</summary>
    public IProbe? Probe { get; init; }

    /// <summary>The edge's route tables and metrics, for the in-process SLO burn-rate alert; null without an edge.</summary>
    public (Func<IEnumerable<Delivery.Routing.RouteTable>> Tables, Delivery.Routing.IVersionMetricsSource Metrics)? Edge { get; init; }
}

/// <summary>
/// Everything status in `catalytic serve`: the check scheduler, the monitor turning results into alerts, the result
/// writer (batched, every 2 s), the dispatcher, the outbox sender, deployment signals, reports and retention. The
/// loops wake on their own timers and at once when an alert changes. The pipeline server reaches alerting through
/// <see cref="Signals"/> and the metrics through <see cref="Metrics"/>.
/// </summary>
public sealed partial class StatusService : IAsyncDisposable
{
    private readonly StatusServiceOptions _o;
    private readonly ILogger _log;
    private readonly Channel<(CheckConfig Check, CheckResult Result)> _results = Channel.CreateUnbounded<(CheckConfig, CheckResult)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly CancellationTokenSource _stop = new();
    private readonly ProbeSet? _probes;
    private readonly HttpClient _http;
    private readonly List<Task> _loops = [];

    /// <summary>Wires the parts; nothing runs before <see cref="StartAsync"/>.</summary>
    public StatusService(StatusServiceOptions options)
    {
        _o = options;
        _log = (options.Logging ?? NullLoggerFactory.Instance).CreateLogger("Catalytic.Status");
        Config = options.Config with { Checks = [.. options.Config.Checks, .. options.ExtraChecks] };
        Metrics = new PlatformMetrics();
        Book = new AlertBook(options.Store, options.Time);
        Dispatcher = new AlertDispatcher(() => Config, options.Store, Book, options.Time);
        Monitor = new CheckMonitor(() => Config, Book, options.Time);
        Signals = new AlertSignals(() => Config, Book);
        _http = new HttpClient(options.NotificationHandler ?? new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan };
        Sender = new OutboxSender(() => Config, options.Store, new ChannelSender(_http, new SecretSource(options.StateDirectory), options.Time), options.Time);
        Sender.Attempted += (channel, kind, ok) => Metrics.Notifications.WithLabels(channel, kind, ok ? "sent" : "failed").Inc();
        Reports = new ReportService(() => Config, options.Store, Book, options.Deliveries, options.Runs, options.Time);
        if (options.Probe is null)
        {
            _probes = new ProbeSet(options.Time);
        }

        Scheduler = new CheckScheduler(options.Probe ?? _probes!, options.Time, ObserveAsync);
        if (options.Active is { } active)
        {
            Scheduler.Active = active;
        }

        Scheduler.Lateness += late => Metrics.ScheduleLateness.Observe(Math.Max(0, late.TotalSeconds));
        Book.Changed += () => _wake.Writer.TryWrite(true);
    }

    /// <summary>The configuration in force (with the host's extra checks).</summary>
    public StatusConfig Config { get; }

    /// <summary>Alerts and silences.</summary>
    public AlertBook Book { get; }

    /// <summary>The dispatcher.</summary>
    public AlertDispatcher Dispatcher { get; }

    /// <summary>Check states.</summary>
    public CheckMonitor Monitor { get; }

    /// <summary>Where runs, workers and deployments raise alerts.</summary>
    public IAlertSignals Signals { get; }

    /// <summary>The outbox sender.</summary>
    public OutboxSender Sender { get; }

    /// <summary>Reports.</summary>
    public ReportService Reports { get; }

    /// <summary>The scheduler.</summary>
    public CheckScheduler Scheduler { get; }

    /// <summary>/metrics.</summary>
    public PlatformMetrics Metrics { get; }

    /// <summary>The store.</summary>
    public IStatusStore Store => _o.Store;

    /// <summary>The clock everything here reads.</summary>
    public TimeProvider Clock => _o.Time;

    /// <summary>
    /// Sends a failed or retrying outbox message now (the dashboard's Retry now): due at once, and the sender woken;
    /// null when <paramref name="id"/> is neither.
    /// </summary>
    public async Task<OutboxMessage?> RetryNotificationAsync(long id, CancellationToken ct = default)
    {
        var retried = await _o.Store.RetryOutboxAsync(id, _o.Time.GetUtcNow(), ct);
        if (retried is not null)
        {
            _wake.Writer.TryWrite(true);
        }

        return retried;
    }

    /// <summary>Loads alerts, restores check states, starts the timers and loops.</summary>
    public async Task StartAsync(CancellationToken ct = default)
    {
        await Book.LoadAsync(ct);
        Monitor.Restore(Config.Checks);
        Metrics.Registry.AddBeforeCollectCallback(async cancel => await RefreshGaugesAsync(cancel));
        var stop = _stop.Token;
        _loops.Add(Task.Run(() => WriteResultsAsync(stop), CancellationToken.None));
        _loops.Add(Task.Run(() => LoopAsync("dispatch", TimeSpan.FromSeconds(1), wakeable: true, async t =>
        {
            await Dispatcher.TickAsync(t);
            await Sender.SendDueAsync(t);
        }, stop), CancellationToken.None));
        if (_o.Deliveries is { } deliveries)
        {
            var source = new DeploymentSignalSource(deliveries, _o.Store, Signals, _o.Time,
                id => Config.DashboardUrl is { } u ? new Uri(u, "deployments/" + Uri.EscapeDataString(id)).ToString() : null);
            _loops.Add(Task.Run(() => LoopAsync("deployment signals", TimeSpan.FromSeconds(2), wakeable: false, source.PollAsync, stop), CancellationToken.None));
        }

        _loops.Add(Task.Run(() => LoopAsync("reports and retention", TimeSpan.FromMinutes(1), wakeable: false, async t =>
        {
            await Reports.SendDueAsync(t);
            var now = _o.Time.GetUtcNow();
            await _o.Store.PruneAsync(now - Config.Keep, now - TimeSpan.FromDays(400), t);
        }, stop), CancellationToken.None));
        if (_o.Edge is { } edge)
        {
            var slo = new SloBurnMonitor(() => Config, Book, _o.Time);
            _loops.Add(Task.Run(async () =>
            {
                // The first sample a minute after start: each sample is the minute before it.
                try
                {
                    await Task.Delay(TimeSpan.FromMinutes(1), _o.Time, stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                await LoopAsync("SLO burn rate", TimeSpan.FromMinutes(1), wakeable: false, t => slo.SampleAsync(edge.Tables(), edge.Metrics, t), stop);
            }, CancellationToken.None));
        }

        // Checks only the workers run (`from: [workers]`) wait for their reports; see ObserveRemoteAsync.
        Scheduler.Start(Config.Checks.Where(c => c.RunsLocally));
    }

    /// <summary>
    /// Takes a remote worker's probe of a `from: [workers]` check: the conditions are evaluated here, on the server's
    /// clock and configuration, so a worker only probes and a stale or hostile worker cannot pass a condition by saying so.
    /// Returns why the report was refused, or null when it was taken. The worker protocol's POST /api/workers/checks/results
    /// (Server/Status/WorkerCheckEndpoints) calls this.
    /// </summary>
    public async Task<string?> ObserveRemoteAsync(string worker, string checkName, ProbeResult probe, CancellationToken ct = default)
    {
        if (!ValidWorkerName(worker))
        {
            return $"worker name '{(worker.Length > 64 ? worker[..64] + "…" : worker)}' must be 1-64 letters, digits, '.', '_' or '-', and not 'local'";
        }

        if (Config.Checks.FirstOrDefault(c => c.Name == checkName) is not { } check)
        {
            return $"no check '{(checkName.Length > 100 ? checkName[..100] + "…" : checkName)}'";
        }

        if (!check.RunsOnWorkers)
        {
            return $"check '{check.Name}' does not run from workers (from: [{string.Join(", ", check.From)}])";
        }

        await ObserveAsync(check, CheckResult.Evaluate(check, probe, _o.Time.GetUtcNow(), worker), ct);
        return null;
    }

    private static bool ValidWorkerName(string name) =>
        name.Length is > 0 and <= 64 && name != CheckConfig.Local && name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '.' or '_' or '-');

    /// <summary>Takes a result from any location (the local scheduler, or a remote worker's report): state, alerts, metrics, history.</summary>
    public async Task ObserveAsync(CheckConfig check, CheckResult result, CancellationToken ct = default)
    {
        var before = Monitor.States.TryGetValue(check.Name, out var s) ? s.Status : CheckStatus.Unknown;
        var verdict = await Monitor.ObserveAsync(check, result, ct);
        if (verdict != before)
        {
            LogVerdict(_log, check.Name, before.ToString().ToLowerInvariant(), verdict.ToString().ToLowerInvariant(), result.Error ?? string.Join("; ", result.Conditions.Where(c => !c.Success).Select(c => c.Condition)));
        }

        Metrics.CheckResults.WithLabels(check.Name, result.Vote.ToString().ToLowerInvariant()).Inc();
        Metrics.CheckResponseTime.WithLabels(check.Name).Observe(result.ResponseTime.TotalSeconds);
        if (verdict != CheckStatus.Unknown)
        {
            Metrics.CheckUp.WithLabels(check.Name).Set(verdict == CheckStatus.Down ? 0 : 1);
            Metrics.CheckDegraded.WithLabels(check.Name).Set(verdict == CheckStatus.Degraded ? 1 : 0);
        }

        if (result.CertificateExpiration is { } left)
        {
            Metrics.CheckCertificateExpiry.WithLabels(check.Name).Set(left.TotalSeconds);
        }

        _results.Writer.TryWrite((check, result));
    }

    /// <summary>Writes every result received so far (the writer does this every 2 s; tests and shutdown call it).</summary>
    public async Task FlushResultsAsync(CancellationToken ct = default)
    {
        var batch = new List<CheckResult>();
        while (batch.Count < 5000 && _results.Reader.TryRead(out var item))
        {
            batch.Add(item.Result);
        }

        if (batch.Count > 0)
        {
            await _o.Store.AddResultsAsync(batch, ct);
        }
    }

    private async Task WriteResultsAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(2), _o.Time, ct);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            try
            {
                await FlushResultsAsync(ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogLoopFailed(_log, "result writer", e.Message);
            }
        }
    }

    private async Task LoopAsync(string name, TimeSpan every, bool wakeable, Func<CancellationToken, Task> pass, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await pass(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                LogLoopFailed(_log, name, e.Message);
            }

            try
            {
                if (wakeable)
                {
                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    var delay = Task.Delay(every, _o.Time, wait.Token);
                    var woken = _wake.Reader.WaitToReadAsync(wait.Token).AsTask();
                    await Task.WhenAny(delay, woken);
                    _wake.Reader.TryRead(out _);
                    await wait.CancelAsync();
                }
                else
                {
                    await Task.Delay(every, _o.Time, ct);
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task RefreshGaugesAsync(CancellationToken ct)
    {
        var firing = Book.Alerts.Values.Where(a => a.Firing).GroupBy(a => (a.Name, a.Severity)).ToDictionary(g => new[] { g.Key.Name, g.Key.Severity }, g => (double)g.Count());
        PlatformMetrics.SetAll(Metrics.AlertsFiring, firing);
        var pending = await _o.Store.ListDueAsync(DateTimeOffset.MaxValue, 10_000, ct);
        Metrics.NotificationsPending.Set(pending.Count);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Scheduler.DisposeAsync();
        try
        {
            await Task.WhenAll(_loops);
        }
        catch (OperationCanceledException)
        {
        }

        try
        {
            await FlushResultsAsync(CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogLoopFailed(_log, "result writer", e.Message);
        }

        _probes?.Dispose();
        _http.Dispose();
        _stop.Dispose();
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "check {Check}: {From} -> {To} ({Why})")]
    private static partial void LogVerdict(ILogger logger, string check, string from, string to, string why);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Error, Message = "status {Loop} pass failed: {Error}")]
    private static partial void LogLoopFailed(ILogger logger, string loop, string error);
}
