using System.Collections.Concurrent;
using System.Collections.Immutable;
using Catalytic.Pipelines.Events;
using Catalytic.Pipelines.Repositories;
using Catalytic.Pipelines.Webhooks;
using Catalytic.Runner.Context;
using Catalytic.Workflows.Globbing;
using Catalytic.Workflows.Triggers;

namespace Catalytic.Pipelines.Triggers;

/// <summary>
/// The triggers of one repository: its mirror, the watcher and poll that notice ref changes, and one loop that does
/// everything touching the mirror's refs in order (scans, webhook deliveries), so two notices of one change cannot race.
/// A scan fetches the source into the mirror, diffs the fetched refs against those already turned into runs, queues
/// the runs of each change and only then records the change as seen: nothing is lost when the server dies in between
/// (the next start finds the change again, and the deduplication key makes it one run). A repository that cannot be
/// fetched records why and retries on its next poll; other repositories' loops are not affected.
/// </summary>
public sealed class RepositoryTriggers : IAsyncDisposable
{
    private readonly RepositoryDefinition _definition;
    private readonly TriggerServices _services;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly ConcurrentQueue<Func<CancellationToken, Task>> _work = new();
    private readonly CancellationTokenSource _stop = new();
    private int _scanRequested;
    private Task _loop = Task.CompletedTask;
    private RefWatcher? _watcher;
    private ITimer? _poll;
    private RepositoryStatus _status;
    private RepositoryIdentity _identity;
    private bool _adopt;
    private bool _ready;

    internal RepositoryTriggers(RepositoryDefinition definition, TriggerServices services)
    {
        _definition = definition;
        _services = services;
        Mirror = new RepositoryMirror(Path.Combine(services.StateDirectory, "repositories", definition.Name + ".git"), definition, services.Secrets);
        _status = new RepositoryStatus(definition.Name, definition.DisplaySource, true, null, null, null, definition.DefaultBranch, 0, 0);
        _identity = new RepositoryIdentity(definition.Name, FullNameOf(definition), definition.DefaultBranch ?? "main", definition.DisplaySource);
        Schedules = new ScheduleTrigger(this, services);
    }

    /// <summary>The repository as configured.</summary>
    public RepositoryDefinition Definition => _definition;

    /// <summary>How it stands now.</summary>
    public RepositoryStatus Status => Volatile.Read(ref _status);

    /// <summary>Who it is in payloads.</summary>
    public RepositoryIdentity Identity => Volatile.Read(ref _identity);

    /// <summary>Scans done (successful or not), for tests and the benchmark to wait on.</summary>
    public int Scans { get; private set; }

    internal RepositoryMirror Mirror { get; }

    internal ScheduleTrigger Schedules { get; }

    /// <summary>Creates the mirror when missing, starts the loop, the watcher (local) and the poll, and asks for a first scan.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        await EnsureMirrorAsync(ct);
        _loop = Task.Run(() => LoopAsync(_stop.Token), CancellationToken.None);
        if (_definition.IsLocal && _services.FileSystemNotifications)
        {
            var gitDir = await Git.RunAsync(_definition.Source, ["rev-parse", "--path-format=absolute", "--git-common-dir"], ct);
            if (gitDir.Ok)
            {
                _watcher = RefWatcher.Start(gitDir.Output.Trim(), RequestScan,
                    reason => TriggerLog.WatcherFailed(_services.Logger, _definition.Name, reason, _definition.PollInterval));
            }
        }

        _poll = _services.Time.CreateTimer(_ => RequestScan(), null, _definition.PollInterval, _definition.PollInterval);
        RequestScan();
    }

    /// <summary>Asks for a scan (coalesced: many requests while one is pending make one scan).</summary>
    public void RequestScan()
    {
        if (Interlocked.Exchange(ref _scanRequested, 1) == 0)
        {
            _wake.Release();
        }
    }

    /// <summary>Runs <paramref name="work"/> on the repository's loop, after what is queued before it; its result or exception.</summary>
    internal Task<T> RunExclusiveAsync<T>(Func<CancellationToken, Task<T>> work)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _work.Enqueue(async ct =>
        {
            try
            {
                done.TrySetResult(await work(ct));
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                done.TrySetCanceled(ct);
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
        });
        _wake.Release();
        return done.Task;
    }

    private async Task LoopAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await _wake.WaitAsync(ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            while (_work.TryDequeue(out var item))
            {
                await item(ct);
            }

            if (Interlocked.Exchange(ref _scanRequested, 0) == 1)
            {
                try
                {
                    await ScanAsync(ct);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    TriggerLog.ScanFailed(_services.Logger, _definition.Name, e.Message);
                    Fail(e.Message);
                }
                finally
                {
                    Scans++;
                }
            }
        }
    }

    /// <summary>Fetches the source into the mirror's incoming refs; null on success, else the reason (also recorded).</summary>
    internal async Task<string?> FetchAsync(CancellationToken ct, params string[] extra)
    {
        using var timeout = new CancellationTokenSource(_services.FetchTimeout, _services.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        string? reason;
        try
        {
            reason = _definition.IsLocal && !Directory.Exists(_definition.Source)
                ? $"the folder {_definition.Source} does not exist"
                : await Mirror.FetchAsync(linked.Token, extra);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            reason = $"git fetch did not finish within {_services.FetchTimeout}";
        }

        if (reason is not null)
        {
            Fail(reason);
            return reason;
        }

        var previous = Status;
        if (!previous.Healthy)
        {
            TriggerLog.FetchRecovered(_services.Logger, _definition.Name, _definition.DisplaySource);
        }

        Volatile.Write(ref _status, previous with { Healthy = true, Reason = null, LastFetch = _services.Time.GetUtcNow() });
        return null;
    }

    private void Fail(string reason)
    {
        var previous = Status;
        if (previous.Healthy || previous.Reason != reason)
        {
            TriggerLog.FetchFailed(_services.Logger, _definition.Name, _definition.DisplaySource, reason);
        }

        Volatile.Write(ref _status, previous with { Healthy = false, Reason = reason, LastFailure = _services.Time.GetUtcNow() });
    }

    /// <summary>Creates the mirror when missing; a failure (a full or read-only state folder) is recorded and retried on the next scan.</summary>
    private async Task<bool> EnsureMirrorAsync(CancellationToken ct)
    {
        // A mirror removed under the running server (by hand, a restore of the state folder) is made again, as on the
        // first start: its repository is adopted as it is then, and the scans that follow start runs again.
        if (_ready && Directory.Exists(Mirror.Directory))
        {
            return true;
        }

        try
        {
            _adopt = await Mirror.EnsureAsync(ct);
            _ready = true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Fail(e.Message);
        }

        return _ready;
    }

    private async Task ScanAsync(CancellationToken ct)
    {
        if (!await EnsureMirrorAsync(ct) || await FetchAsync(ct) is not null)
        {
            return;
        }

        var incoming = await Mirror.IncomingAsync(ct);
        var seen = await Mirror.SeenAsync(ct);
        var changes = incoming.Since(seen);
        if (_adopt)
        {
            // A new mirror starts from the repository as it is: its existing branches and tags are not pushes.
            foreach (var change in changes)
            {
                await Mirror.AcceptAsync(change, ct);
            }

            await Mirror.MarkInitializedAsync(ct);
            _adopt = false;
            await RefreshAsync(incoming, ct);
            TriggerLog.Watching(_services.Logger, _definition.Name, _definition.DisplaySource,
                incoming.Refs.Keys.Count(k => k.StartsWith("refs/heads/", StringComparison.Ordinal)),
                incoming.Refs.Keys.Count(k => k.StartsWith("refs/tags/", StringComparison.Ordinal)), Mirror.Directory);
            return;
        }

        foreach (var change in changes)
        {
            if (change.After is null)
            {
                TriggerLog.RefDeleted(_services.Logger, _definition.Name, change.Ref);
            }
            else if (change.IsTag || BranchAllowed(change.ShortName))
            {
                var push = await PushTrigger.BuildAsync(Mirror, Identity, change, seen, ct);
                if (!await EnqueuePushAsync(push, "commit", ct))
                {
                    return;
                }
            }

            await Mirror.AcceptAsync(change, ct);
        }

        if (changes.Length > 0 || Status.DefaultBranch is null)
        {
            await RefreshAsync(incoming, ct);
        }
    }

    /// <summary>Queues the runs of <paramref name="push"/>; false (logged, recorded) when the queue refused.</summary>
    internal async Task<bool> EnqueuePushAsync(PushEvent push, string source, CancellationToken ct)
    {
        var (requests, skipped) = await PushTrigger.RequestsAsync(Mirror, _definition.Name, push, source, ct);
        foreach (var s in skipped)
        {
            TriggerLog.NotTriggered(_services.Logger, _definition.Name, "push", push.Ref, s.Path, s.Reason);
        }

        return await EnqueueAsync(requests, ct) is not null;
    }

    /// <summary>Queues <paramref name="requests"/>; null when the queue refused one (logged; the caller leaves the change unseen).</summary>
    internal async Task<ImmutableArray<QueuedRun>?> EnqueueAsync(IEnumerable<RunRequest> requests, CancellationToken ct)
    {
        var runs = ImmutableArray.CreateBuilder<QueuedRun>();
        var subjects = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var asked in requests)
        {
            var request = await WithCommitMessageAsync(asked, subjects, ct);
            try
            {
                var created = await _services.Queue.EnqueueAsync(request, ct);
                runs.Add(new QueuedRun(request.WorkflowPath, created.RunId, created.Duplicate));
                TriggerLog.RunRequested(_services.Logger, _definition.Name, request.EventName, request.Ref, request.Sha[..Math.Min(7, request.Sha.Length)],
                    request.WorkflowPath, request.Source, created.Duplicate ? " (already queued: run " + created.RunId + ")" : "");
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                TriggerLog.QueueFailed(_services.Logger, _definition.Name, request.EventName, request.Ref, e.Message);
                Volatile.Write(ref _status, Status with { Reason = "the run queue refused a run: " + e.Message });
                return null;
            }
        }

        return runs.ToImmutable();
    }

    /// <summary>
    /// <paramref name="request"/> with its commit's message read from the mirror at its sha when neither the trigger nor
    /// the payload (a push's <c>head_commit</c>) carries one: a pull request's, a schedule's or a dispatch's run shows
    /// its commit's subject on the runs page as a push's does. Read once per sha (<paramref name="read"/>); a commit the
    /// mirror cannot read leaves the message empty, never the run unqueued.
    /// </summary>
    private async Task<RunRequest> WithCommitMessageAsync(RunRequest request, Dictionary<string, string?> read, CancellationToken ct)
    {
        if (request.CommitMessage is not null || Payload.At(request.Payload, "head_commit", "message") is not null)
        {
            return request;
        }

        if (!read.TryGetValue(request.Sha, out var message))
        {
            message = read[request.Sha] = Git.IsObjectId(request.Sha) ? (await Mirror.CommitAsync(request.Sha, ct))?.Message : null;
        }

        return message is null ? request : request with { CommitMessage = message };
    }

    /// <summary>Whether pushes to <paramref name="branch"/> start runs (the repository's <c>branches:</c>).</summary>
    internal bool BranchAllowed(string branch) =>
        _definition.Branches.IsEmpty || GlobFilter.Parse(_definition.Branches).Matches(branch);

    private async Task RefreshAsync(RefSnapshot refs, CancellationToken ct)
    {
        var defaultBranch = await Mirror.DefaultBranchAsync(refs, ct) ?? _identity.DefaultBranch;
        Volatile.Write(ref _identity, _identity with { DefaultBranch = defaultBranch });
        Volatile.Write(ref _status, Status with
        {
            DefaultBranch = defaultBranch,
            Branches = refs.Refs.Keys.Count(k => k.StartsWith("refs/heads/", StringComparison.Ordinal)),
            Tags = refs.Refs.Keys.Count(k => k.StartsWith("refs/tags/", StringComparison.Ordinal)),
        });
        if (refs.Refs.TryGetValue("refs/heads/" + defaultBranch, out var head))
        {
            await Schedules.UpdateAsync(head.Commit, ct);
        }
    }

    private static string FullNameOf(RepositoryDefinition definition)
    {
        var url = definition.Url;
        if (definition.IsLocal)
        {
            url = GithubContextBuilder.RunGit(definition.Source, "config", "--get", "remote.origin.url");
        }

        var fromUrl = GithubContextBuilder.RepositoryFromRemote(url);
        return fromUrl is null || fromUrl.StartsWith("local/", StringComparison.Ordinal) ? "local/" + definition.Name : fromUrl;
    }

    public async ValueTask DisposeAsync()
    {
        _poll?.Dispose();
        _watcher?.Dispose();
        await Schedules.DisposeAsync();
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        _wake.Dispose();
    }
}
