using System.Diagnostics;
using System.Globalization;
using Catalytic.Delivery.Config;
using Catalytic.Delivery.Logging;
using Catalytic.Delivery.Time;
using Catalytic.Platform.Linux;
using Microsoft.Extensions.Logging;

namespace Catalytic.Delivery.Targets;

/// <summary>What an instance needs to start: the command, where, with which variables, and how it is checked and stopped.</summary>
/// <param name="Env">Variables added to the instance's environment (secrets already resolved; never printed).</param>
/// <param name="Secrets">The secret values among <paramref name="Env"/>: masked as *** before the output reaches the log file.</param>
/// <param name="LogPath">File that receives the instance's stdout and stderr.</param>
public sealed record InstanceSpec(
    string App,
    string Environment,
    string Version,
    string WorkingDirectory,
    string Run,
    IReadOnlyDictionary<string, string> Env,
    IReadOnlyCollection<string> Secrets,
    HealthConfig Health,
    TimeSpan StopTimeout,
    string LogPath);

/// <summary>Health of an instance as the supervisor sees it.</summary>
public enum InstanceHealth
{
    /// <summary>Started, not yet healthy.</summary>
    Starting,

    /// <summary>Passed its health check the configured number of times in a row.</summary>
    Healthy,

    /// <summary>Failed its health check after having been healthy.</summary>
    Unhealthy,

    /// <summary>Exited unexpectedly; waiting to restart.</summary>
    Crashed,

    /// <summary>Stopped on purpose.</summary>
    Stopped,
}

/// <summary>
/// One supervised local process: started with /bin/sh -c in its own process group (setsid) with PORT set, its output
/// passed through the <see cref="LogMasker"/> stage of the same group into the log file, health-checked over HTTP on a
/// timer, restarted with exponential backoff when it exits, and stopped with SIGTERM then SIGKILL after a grace.
/// </summary>
public sealed class Instance : IAsyncDisposable
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(30) }) { Timeout = Timeout.InfiniteTimeSpan };
    private readonly InstanceSpec _spec;
    private readonly TimeProvider _time;
    private readonly string _pidFile;
    private readonly IReadOnlyList<string> _masker;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private TaskCompletionSource<bool> _healthy = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Process? _process;
    private Task? _loop;
    private Task? _stopping;
    private int _successes;
    private int _failures;

    internal Instance(InstanceSpec spec, int port, TimeProvider time, string pidDirectory, IReadOnlyList<string> masker, Action<Instance> changed, ILogger log)
    {
        _spec = spec;
        _masker = masker;
        _log = log;
        _time = time;
        Port = port;
        Id = $"{spec.App}-{spec.Environment}-{spec.Version}-{port}";
        Address = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
        _pidFile = Path.Combine(pidDirectory, Id + ".pid");
        Changed = changed;
    }

    /// <summary>Unique id: app-env-version-port.</summary>
    public string Id { get; }

    /// <summary>The application it belongs to.</summary>
    public string App => _spec.App;

    /// <summary>The environment it serves.</summary>
    public string Environment => _spec.Environment;

    /// <summary>The version it runs.</summary>
    public string Version => _spec.Version;

    /// <summary>The port given in PORT.</summary>
    public int Port { get; }

    /// <summary>http://127.0.0.1:PORT/</summary>
    public Uri Address { get; }

    /// <summary>Current health.</summary>
    public InstanceHealth Health { get; private set; } = InstanceHealth.Starting;

    /// <summary>How many times it was restarted after exiting.</summary>
    public int Restarts { get; private set; }

    /// <summary>The process id (and process group id) of the running process, or 0.</summary>
    public int Pid
    {
        get
        {
            // Read while the supervisor may be replacing a crashed process (the old one already disposed).
            try
            {
                return _process is { HasExited: false } p ? p.Id : 0;
            }
            catch (InvalidOperationException)
            {
                return 0;
            }
        }
    }

    /// <summary>The file receiving its output.</summary>
    public string LogPath => _spec.LogPath;

    private Action<Instance> Changed { get; }

    internal void Start()
    {
        Launch();
        _loop = Task.Run(() => SuperviseLoggedAsync(_stop.Token));
    }

    /// <summary>Waits until healthy; false when <paramref name="timeout"/> passes first or the instance keeps crashing.</summary>
    public async Task<bool> WaitHealthyAsync(TimeSpan timeout, CancellationToken ct)
    {
        Task<bool> healthy;
        lock (_gate)
        {
            healthy = _healthy.Task;
        }

        try
        {
            return await healthy.WaitAsync(timeout, _time, ct);
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// SIGTERM to the process group, SIGKILL after the stop timeout. Idempotent: concurrent and later calls (a retirement
    /// and a shutdown may meet) all complete when the one stop has ended the group.
    /// </summary>
    public Task StopAsync()
    {
        if (Volatile.Read(ref _stopping) is { } running)
        {
            return running;
        }

        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (Interlocked.CompareExchange(ref _stopping, tcs.Task, null) is { } other)
        {
            return other;
        }

        _ = RunStopAsync(tcs);
        return tcs.Task;
    }

    private async Task RunStopAsync(TaskCompletionSource done)
    {
        try
        {
            await StopCoreAsync();
            done.TrySetResult();
        }
        catch (Exception e)
        {
            done.TrySetException(e);
        }
    }

    private async Task StopCoreAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            try
            {
                await _loop;
            }
            catch (OperationCanceledException)
            {
            }
        }

        var p = _process;
        if (p is not null)
        {
            ProcessGroups.Signal(p.Id, ProcessGroups.SigTerm);
            try
            {
                await p.WaitForExitAsync().WaitAsync(_spec.StopTimeout, _time);
            }
            catch (TimeoutException)
            {
            }

            // The shell may be gone while a child of it lingers in the group: the group is what must end. The masking
            // stage (it ignores SIGTERM) is left to write the app's last lines: it ends once no writer of its pipe is left.
            ProcessGroups.KillAllBut(p.Id, IsMasker);
            var drained = _time.GetTimestamp();
            while (ProcessGroups.Members(p.Id).Count > 0 && _time.GetElapsedTime(drained) < MaskerDrain)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(10), _time);
            }

            ProcessGroups.Signal(p.Id, ProcessGroups.SigKill);
            p.Dispose();
        }

        File.Delete(_pidFile);
        SetHealth(InstanceHealth.Stopped);
        lock (_gate)
        {
            _healthy.TrySetResult(false);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    /// <summary>How long a stop waits for the masking stage to write the app's last output before ending it.</summary>
    private static readonly TimeSpan MaskerDrain = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The outer shell points its output at the log file, starts the masking stage there reading a pipe (a child in the
    /// same process group, with the secrets in its environment only), points its own output at that pipe, drops the
    /// secrets variable and replaces itself with the app's shell. So output survives the server (no pipe to it), the
    /// pid is the process group id and its exit is the app's, and no secret is on any command line.
    /// </summary>
    private const string LaunchScript =
        "exec >>\"$CATALYTIC_LOG\" 2>&1 </dev/null; " +
        "exec > >(trap '' TERM INT HUP; exec \"$0\" \"$@\") 2>&1; " +
        "unset " + LogMasker.SecretsVariable + "; " +
        "exec /bin/sh -c \"$CATALYTIC_RUN\"";

    private bool IsMasker(int pid)
    {
        var cmdline = ProcessGroups.CommandLine(pid);
        return cmdline.Count == _masker.Count && cmdline.SequenceEqual(_masker, StringComparer.Ordinal);
    }

    private void Launch()
    {
        var psi = new ProcessStartInfo("/usr/bin/setsid")
        {
            WorkingDirectory = _spec.WorkingDirectory,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("/bin/bash");
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(LaunchScript);
        foreach (var arg in _masker)
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var (k, v) in _spec.Env)
        {
            psi.Environment[k] = v;
        }

        psi.Environment[LogMasker.SecretsVariable] = LogMasker.Encode(_spec.Secrets);

        psi.Environment["PORT"] = Port.ToString(CultureInfo.InvariantCulture);
        psi.Environment["CATALYTIC_APP"] = _spec.App;
        psi.Environment["CATALYTIC_ENVIRONMENT"] = _spec.Environment;
        psi.Environment["CATALYTIC_VERSION"] = _spec.Version;
        psi.Environment["CATALYTIC_INSTANCE"] = Id;
        psi.Environment["CATALYTIC_LOG"] = _spec.LogPath;
        psi.Environment["CATALYTIC_RUN"] = _spec.Run;
        Directory.CreateDirectory(Path.GetDirectoryName(_spec.LogPath)!);
        _process = Process.Start(psi) ?? throw new InvalidOperationException("could not start /usr/bin/setsid");
        File.WriteAllText(_pidFile, _process.Id.ToString(CultureInfo.InvariantCulture));
        _log.InstanceStarted(Id, _process.Id);
    }

    private async Task SuperviseLoggedAsync(CancellationToken ct)
    {
        try
        {
            await SuperviseAsync(ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            SetHealth(InstanceHealth.Crashed);
            _log.SupervisionFailed(e, Id);
        }
    }

    private async Task SuperviseAsync(CancellationToken ct)
    {
        var backoff = TimeSpan.FromMilliseconds(250);
        while (!ct.IsCancellationRequested)
        {
            if (_process is { HasExited: true } exited)
            {
                var code = exited.ExitCode;
                SetHealth(InstanceHealth.Crashed);
                ResetHealthy();
                _log.InstanceExited(Id, code, Units.Format(backoff));
                AppendToLog($"[catalytic] instance exited with code {code}; restarting in {Units.Format(backoff)}\n");
                await Task.Delay(backoff, _time, ct);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
                exited.Dispose();
                Restarts++;
                _successes = _failures = 0;
                Launch();
                continue;
            }

            var ok = await CheckAsync(ct);
            if (ok)
            {
                _failures = 0;
                if (++_successes >= _spec.Health.HealthyThreshold && Health != InstanceHealth.Healthy)
                {
                    backoff = TimeSpan.FromMilliseconds(250);
                    SetHealth(InstanceHealth.Healthy);
                    lock (_gate)
                    {
                        _healthy.TrySetResult(true);
                    }
                }
            }
            else
            {
                _successes = 0;
                if (++_failures >= 2 && Health == InstanceHealth.Healthy)
                {
                    SetHealth(InstanceHealth.Unhealthy);
                    ResetHealthy();
                }
            }

            // Poll fast until healthy so a deployment does not wait a whole interval for a ready instance.
            var delay = Health == InstanceHealth.Healthy ? _spec.Health.Interval : TimeSpan.FromTicks(Math.Min(_spec.Health.Interval.Ticks, TimeSpan.FromMilliseconds(100).Ticks));
            await Task.Delay(delay, _time, ct);
        }
    }

    private void ResetHealthy()
    {
        lock (_gate)
        {
            if (_healthy.Task.IsCompleted)
            {
                _healthy = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>Writes a supervisor line into the instance's log, where a person reading it looks for why it restarted.</summary>
    private void AppendToLog(string line)
    {
        try
        {
            File.AppendAllText(_spec.LogPath, line);
        }
        catch (IOException e)
        {
            _log.InstanceLogWriteFailed(e, Id, _spec.LogPath, line.TrimEnd('\n'));
        }
    }

    private async Task<bool> CheckAsync(CancellationToken ct)
    {
        using var deadline = new Deadline(_spec.Health.Timeout, _time, ct);
        try
        {
            using var response = await Http.GetAsync(new Uri(Address, _spec.Health.Path.TrimStart('/')), HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            return response.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !ct.IsCancellationRequested)
        {
            return false;
        }
    }

    private void SetHealth(InstanceHealth h)
    {
        if (Health != h)
        {
            Health = h;
            _log.InstanceHealth(Id, h.ToString().ToLowerInvariant());
            Changed(this);
        }
    }
}
