using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Catalytic.Contracts.Workers;
using Catalytic.Status.Checks.Probes;
using Catalytic.Status.Config;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Catalytic.Status.Checks.Remote;

/// <summary>
/// A worker's side of checks run from workers (`from: [workers]`): asks the server which checks to probe (again every
/// <see cref="RemoteChecks.Refresh"/>, so catalytic.yml may change), probes each on its own timer with the same probes
/// and scheduler as the server, and reports every raw probe under the worker's name; the server evaluates the
/// conditions and counts this worker as one location of the verdict. A report that cannot be delivered is dropped
/// (the next probe comes an interval later; a location that stops reporting leaves the verdict after three intervals).
/// </summary>
public sealed partial class WorkerCheckRunner : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly string _worker;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly IProbe _probe;
    private readonly ProbeSet? _owned;
    private CheckScheduler? _scheduler;
    private string _current = "";

    /// <param name="server">The server's URL (as `serve` prints it).</param>
    /// <param name="token">A worker token (or the server's own, on its machine).</param>
    /// <param name="worker">The worker's name: its location in every verdict.</param>
    /// <param name="probe">The probes (default: the real HTTP, TCP, TLS and DNS probes).</param>
    public WorkerCheckRunner(Uri server, string token, string worker, TimeProvider time, ILogger? log = null, IProbe? probe = null, HttpMessageHandler? handler = null)
    {
        _http = new HttpClient(handler ?? new SocketsHttpHandler(), disposeHandler: true) { BaseAddress = new Uri(server.ToString().TrimEnd('/') + "/"), Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        _http.DefaultRequestHeaders.Add(WorkerRoutes.WorkerHeader, worker);
        _worker = worker;
        _time = time;
        _log = log ?? NullLogger.Instance;
        if (probe is null)
        {
            _owned = new ProbeSet(time);
        }

        _probe = probe ?? _owned!;
    }

    /// <summary>Reports the server took (for tests and the worker's log).</summary>
    public long Reported => Interlocked.Read(ref _reported);

    private long _reported;

    /// <summary>The checks probed now.</summary>
    public IReadOnlyList<string> Checks { get; private set; } = [];

    /// <summary>Runs until <paramref name="ct"/> is cancelled. Returns at once, without error, when the server has no check for workers to run.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var wait = RemoteChecks.Refresh;
            try
            {
                wait = await RefreshAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException or System.Text.Json.JsonException)
            {
                // The server is away or answered nonsense: keep probing the checks known so far, ask again later.
                LogRefreshFailed(_log, e.Message);
            }

            try
            {
                await Task.Delay(wait, _time, ct);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>Asks the server for the checks and (re)starts the timers when they changed; the time until the next ask.</summary>
    public async Task<TimeSpan> RefreshAsync(CancellationToken ct)
    {
        using var deadline = new Deadline(TimeSpan.FromSeconds(30), _time, ct);
        using var response = await _http.GetAsync(WorkerRoutes.Checks[1..] + "?worker=" + Uri.EscapeDataString(_worker), deadline.Token);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"GET {WorkerRoutes.Checks}: {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        var view = await response.Content.ReadFromJsonAsync(WorkerJson.Default.WorkerChecksView, deadline.Token)
            ?? throw new HttpRequestException($"GET {WorkerRoutes.Checks}: an empty answer");
        var checks = new List<CheckConfig>();
        foreach (var v in view.Checks ?? [])
        {
            if (RemoteChecks.FromView(v, out var why) is { } check)
            {
                checks.Add(check);
            }
            else
            {
                LogCheckRefused(_log, why!);
            }
        }

        // Restarted only when what is probed changed: a restart would move every check's turn.
        var key = string.Join('\n', checks.Select(c => System.Text.Json.JsonSerializer.Serialize(RemoteChecks.ToView(c), WorkerJson.Default.WorkerCheckView)));
        if (key != _current)
        {
            if (_scheduler is not null)
            {
                await _scheduler.DisposeAsync();
            }

            _scheduler = new CheckScheduler(new Reporting(this), _time, static (_, _, _) => Task.CompletedTask);
            _scheduler.Start(checks);
            _current = key;
            Checks = [.. checks.Select(c => c.Name)];
            LogChecks(_log, checks.Count, string.Join(", ", Checks));
        }

        var refresh = view.RefreshSeconds is > 0 and <= 3600 ? TimeSpan.FromSeconds(view.RefreshSeconds) : RemoteChecks.Refresh;
        return refresh;
    }

    /// <summary>Sends one probe's report; false when the server did not take it (logged).</summary>
    public async Task<bool> ReportAsync(CheckConfig check, ProbeResult probe, CancellationToken ct)
    {
        try
        {
            using var deadline = new Deadline(TimeSpan.FromSeconds(30), _time, ct);
            using var response = await _http.PostAsJsonAsync(WorkerRoutes.CheckResults[1..], RemoteChecks.ToBody(_worker, check.Name, probe), WorkerJson.Default.WorkerProbeBody, deadline.Token);
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                Interlocked.Increment(ref _reported);
                return true;
            }

            LogReportRefused(_log, check.Name, (int)response.StatusCode, RemoteChecks.Cut(await response.Content.ReadAsStringAsync(deadline.Token), 300));
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            LogReportRefused(_log, check.Name, 0, e.Message);
        }

        return false;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_scheduler is not null)
        {
            await _scheduler.DisposeAsync();
        }

        _owned?.Dispose();
        _http.Dispose();
    }

    [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "probing {Count} check(s) for the server: {Checks}")]
    private static partial void LogChecks(ILogger log, int count, string checks);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "could not read the checks to probe from the server (asking again later): {Error}")]
    private static partial void LogRefreshFailed(ILogger log, string error);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Warning, Message = "the server sent a check this worker cannot probe: {Why}")]
    private static partial void LogCheckRefused(ILogger log, string why);

    [LoggerMessage(EventId = 5104, Level = LogLevel.Warning, Message = "the probe of check {Check} was not reported ({Status}): {Detail}")]
    private static partial void LogReportRefused(ILogger log, string check, int status, string detail);

    /// <summary>The scheduler's probe: probes, then reports the raw result before the scheduler sees it.</summary>
    private sealed class Reporting(WorkerCheckRunner runner) : IProbe
    {
        public async Task<ProbeResult> ProbeAsync(CheckConfig check, CancellationToken ct)
        {
            var result = await runner._probe.ProbeAsync(check, ct);
            await runner.ReportAsync(check, result, ct);
            return result;
        }
    }
}
