using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Catalytic.Runner.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Catalytic.Runner.Scheduling.Concurrency;

/// <summary>How waiting for a concurrency group ended: the group is held (<see cref="Lease"/>), or the waiter was cancelled and why.</summary>
internal sealed record ConcurrencyAcquisition(ConcurrencyLease? Lease, string? CancelledReason);

/// <summary>
/// GitHub's concurrency groups ("Control the concurrency of workflows and jobs"): in a group at most one job or
/// workflow run is running and one is pending; a newer arrival takes the pending place and the one it replaces is
/// cancelled; with <c>cancel-in-progress</c> the newcomer also cancels the running one. Group names are compared
/// case-insensitively; jobs and workflow runs share one namespace.
/// <para>
/// The state lives in files under <c>.catalytic/concurrency/</c> (one small JSON document per group, changed only while
/// holding an exclusive <c>flock</c> on its <c>.lock</c> file), so every <c>catalytic run</c> of the same repository —
/// in this process or another — takes part. An entry whose process is gone (pid and start time no longer match) is
/// dropped by the next reader, so a killed run never blocks a group. Waiters and holders look at the state when this
/// process changes it and otherwise every <see cref="PollInterval"/>, which bounds how late another process notices.
/// </para>
/// </summary>
internal sealed class ConcurrencyGroups
{
    // flock conflicts between two descriptors of the same process too, so in-process callers queue here first.
    private static readonly SemaphoreSlim ProcessGate = new(1, 1);
    private static readonly ConcurrentDictionary<string, byte> LocalEntries = new(StringComparer.Ordinal);
    private static readonly int OwnPid = Environment.ProcessId;
    private static readonly string OwnStart = ProcessStart(OwnPid) ?? "";
    private static TaskCompletionSource s_changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly string _directory;
    private readonly TimeProvider _time;
    private readonly ILogger _log;

    public ConcurrencyGroups(string stateDirectory, TimeProvider time, TimeSpan? pollInterval = null, ILogger? log = null)
    {
        _log = log ?? NullLogger.Instance;
        _directory = Path.Combine(stateDirectory, "concurrency");
        _time = time;
        PollInterval = pollInterval ?? TimeSpan.FromMilliseconds(100);
    }

    /// <summary>How often a waiter or a holder re-reads a group changed by another process.</summary>
    public TimeSpan PollInterval { get; }

    /// <summary>GitHub's message for a job or run cancelled by a newer one in its group.</summary>
    public static string ReplacedMessage(string group) => $"Canceling since a higher priority waiting request for '{group}' exists";

    /// <summary>
    /// Joins <paramref name="group"/> as <paramref name="owner"/> and waits until it may run. Returns the lease (dispose it
    /// when done) or, when a newer arrival replaced this one while pending or <paramref name="cancellationToken"/> fired,
    /// the reason it was cancelled. <paramref name="waiting"/> is told once whom it waits for.
    /// </summary>
    public async Task<ConcurrencyAcquisition> AcquireAsync(string group, bool cancelInProgress, string owner, Action<string>? waiting, CancellationToken cancellationToken)
    {
        var key = Key(group);
        var me = new JsonObject
        {
            ["id"] = Guid.NewGuid().ToString("N"),
            ["pid"] = OwnPid,
            ["start"] = OwnStart,
            ["owner"] = owner,
        };
        var id = (string)me["id"]!;
        LocalEntries[id] = 0;
        var holder = await UpdateAsync(key, state =>
        {
            state["group"] = group;
            var running = state["running"] as JsonObject;
            if (running is null && state["pending"] is null)
            {
                state["running"] = me;
                return (string?)null;
            }

            // The pending place holds one: the newcomer takes it and the one it replaces sees it is gone.
            state["pending"] = me;
            if (running is null)
            {
                return "a waiting request";
            }

            if (cancelInProgress && running["cancel"] is null)
            {
                running["cancel"] = ReplacedMessage(group) + $" ({owner}, cancel-in-progress)";
            }

            return (string?)running["owner"] ?? "another run";
        });
        if (holder is null)
        {
            return new ConcurrencyAcquisition(new ConcurrencyLease(this, key, id, group), null);
        }

        waiting?.Invoke($"waiting for concurrency group '{group}', held by {holder}{(cancelInProgress ? " (cancel-in-progress: asked it to cancel)" : "")}");
        while (true)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                await UpdateAsync(key, state =>
                {
                    if ((state["pending"] as JsonObject)?["id"]?.GetValue<string>() == id)
                    {
                        state.Remove("pending");
                    }

                    return 0;
                });
                LocalEntries.TryRemove(id, out _);
                return new ConcurrencyAcquisition(null, $"the run was cancelled while waiting for concurrency group '{group}'");
            }

            await WaitForChangeAsync(cancellationToken);
            var status = await UpdateAsync(key, state =>
            {
                if ((state["pending"] as JsonObject)?["id"]?.GetValue<string>() != id)
                {
                    return Status.Replaced;
                }

                if (state["running"] is not null)
                {
                    return Status.Waiting;
                }

                var pending = state["pending"]!;
                state.Remove("pending");
                state["running"] = pending;
                return Status.Acquired;
            });
            switch (status)
            {
                case Status.Acquired:
                    return new ConcurrencyAcquisition(new ConcurrencyLease(this, key, id, group), null);
                case Status.Replaced:
                    LocalEntries.TryRemove(id, out _);
                    return new ConcurrencyAcquisition(null, ReplacedMessage(group));
            }
        }
    }

    private enum Status
    {
        Waiting,
        Acquired,
        Replaced,
    }

    /// <summary>The cancel request on a held group, "" when the lease was lost, null while it is held undisturbed.</summary>
    internal Task<string?> CheckAsync(string key, string id) => UpdateAsync(key, state =>
    {
        var running = state["running"] as JsonObject;
        if ((string?)running?["id"] != id)
        {
            return "";
        }

        return (string?)running!["cancel"];
    });

    internal async Task ReleaseAsync(string key, string id)
    {
        await UpdateAsync(key, state =>
        {
            if ((state["running"] as JsonObject)?["id"]?.GetValue<string>() == id)
            {
                state.Remove("running");
            }

            return 0;
        });
        LocalEntries.TryRemove(id, out _);
    }

    /// <summary>Until this process changes a group, the poll interval passes or <paramref name="cancellationToken"/> fires.</summary>
    internal async Task WaitForChangeAsync(CancellationToken cancellationToken)
    {
        var changed = Volatile.Read(ref s_changed).Task;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(PollInterval, _time, cts.Token);
        await Task.WhenAny(changed, delay);
        await cts.CancelAsync();
    }

    private static void Pulse()
    {
        var previous = Interlocked.Exchange(ref s_changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        previous.TrySetResult();
    }

    /// <summary>Reads the group's state under its lock, drops entries of dead processes, applies <paramref name="update"/> and writes it back.</summary>
    private async Task<T> UpdateAsync<T>(string key, Func<JsonObject, T> update)
    {
        Directory.CreateDirectory(_directory);
        var path = Path.Combine(_directory, key + ".json");
        T result;
        await ProcessGate.WaitAsync(CancellationToken.None);
        try
        {
            using var gate = await LockAsync(Path.Combine(_directory, key + ".lock"));
            JsonObject state;
            try
            {
                state = File.Exists(path) ? JsonNode.Parse(await File.ReadAllTextAsync(path, CancellationToken.None)) as JsonObject ?? [] : [];
            }
            catch (System.Text.Json.JsonException e)
            {
                // A torn file cannot happen (writes are renames); a hand-edited one is reset, and the log says so.
                RunnerLog.ConcurrencyStateReset(_log, path, e);
                state = [];
            }

            var before = state.ToJsonString();
            foreach (var slot in new[] { "running", "pending" })
            {
                if (state[slot] is JsonObject entry && !IsAlive(entry))
                {
                    state.Remove(slot);
                }
            }

            result = update(state);
            if (state.ToJsonString() != before)
            {
                var temp = path + "." + OwnPid.ToString(CultureInfo.InvariantCulture) + ".tmp";
                await File.WriteAllTextAsync(temp, state.ToJsonString(), CancellationToken.None);
                File.Move(temp, path, overwrite: true);
                Pulse();
            }
        }
        finally
        {
            ProcessGate.Release();
        }

        return result;
    }

    private async Task<FileStream> LockAsync(string path)
    {
        // FileShare.None is an exclusive, non-blocking flock on Unix; another process holding it makes the open fail.
        var give = _time.GetTimestamp();
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (_time.GetElapsedTime(give) < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(3), _time);
            }
        }
    }

    private static bool IsAlive(JsonObject entry)
    {
        var pid = (int?)entry["pid"] ?? 0;
        var id = (string?)entry["id"] ?? "";
        if (pid == OwnPid && (string?)entry["start"] == OwnStart)
        {
            return LocalEntries.ContainsKey(id);
        }

        return pid > 0 && ProcessStart(pid) is { } start && start == (string?)entry["start"];
    }

    /// <summary>The process's start time in clock ticks since boot (/proc/PID/stat field 22): a pid plus this names one process.</summary>
    private static string? ProcessStart(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Length > 19 ? fields[19] : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string Key(string group) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(group.ToLowerInvariant())))[..24];
}

/// <summary>
/// A held concurrency group. <see cref="Cancelled"/> fires when a newer arrival with <c>cancel-in-progress</c> asks the
/// holder to stop (<see cref="Reason"/> says who); disposing releases the group to the pending one.
/// </summary>
internal sealed class ConcurrencyLease : IAsyncDisposable
{
    private readonly ConcurrencyGroups _groups;
    private readonly string _key;
    private readonly string _id;
    private readonly CancellationTokenSource _cancel = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _monitor;

    internal ConcurrencyLease(ConcurrencyGroups groups, string key, string id, string group)
    {
        _groups = groups;
        _key = key;
        _id = id;
        Group = group;
        _monitor = Task.Run(MonitorAsync);
    }

    public string Group { get; }

    public CancellationToken Cancelled => _cancel.Token;

    public string? Reason { get; private set; }

    private async Task MonitorAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            await _groups.WaitForChangeAsync(_stop.Token);
            if (_stop.IsCancellationRequested)
            {
                return;
            }

            var request = await _groups.CheckAsync(_key, _id);
            if (request is not null)
            {
                Reason = request.Length > 0 ? request : $"concurrency group '{Group}' was taken over";
                await _cancel.CancelAsync();
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _monitor;
        await _groups.ReleaseAsync(_key, _id);
        _stop.Dispose();
        _cancel.Dispose();
    }
}
