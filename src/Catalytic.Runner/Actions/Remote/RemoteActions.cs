using System.Collections.Concurrent;
using Catalytic.Runner.Execution;
using Catalytic.Runner.Logging;

namespace Catalytic.Runner.Actions.Remote;

/// <summary>
/// The remote actions of one run (or one worker's job): each <c>owner/repo@ref</c> is resolved once, whichever job
/// asks first, through the <see cref="RemoteActionStore"/> of the state folder; every job that uses it says in its
/// log where it came from (GitHub's "Download action repository 'x@v1' (SHA:…)").
/// </summary>
internal sealed class RemoteActions
{
    private readonly ConcurrentDictionary<string, Lazy<Task<RemoteActionResolution>>> _resolutions = new(StringComparer.OrdinalIgnoreCase);
    public RemoteActions(RunOptions options)
    {
        Store = new RemoteActionStore(options.State, options.ActionsUrls.Count > 0 ? options.ActionsUrls : [ActionSources.DefaultUrl], options.ActionRefsMaxAge, options.Time, options.Logger);
    }

    public RemoteActionStore Store { get; }

    /// <summary>
    /// The folder of <paramref name="reference"/> (the action's own path inside its repository at the resolved commit),
    /// or the error that fails the step. The first call fetches; later ones, also from other jobs, wait for it.
    /// </summary>
    public async Task<(string? Directory, string? Error)> ResolveAsync(JobRun job, string logName, ActionReference reference, CancellationToken cancellationToken)
    {
        var lazy = _resolutions.GetOrAdd(reference.Key, _ => new Lazy<Task<RemoteActionResolution>>(() => Store.ResolveAsync(reference, Git(job), cancellationToken)));
        RemoteActionResolution resolution;
        try
        {
            resolution = await lazy.Value;
        }
        catch (OperationCanceledException)
        {
            // The job that started the fetch was cancelled: the next one to ask starts again.
            _resolutions.TryRemove(new KeyValuePair<string, Lazy<Task<RemoteActionResolution>>>(reference.Key, lazy));
            cancellationToken.ThrowIfCancellationRequested();
            return await ResolveAsync(job, logName, reference, cancellationToken);
        }

        if (resolution.Error is { } error)
        {
            return (null, error);
        }

        var source = resolution.Source is { } s ? ActionSources.Display(s) : "the cache";
        job.Emit(logName, resolution.Fetched
            ? $"Download action repository '{reference.Key}' (SHA:{resolution.Commit}) from {source}"
            : $"Action repository '{reference.Key}' (SHA:{resolution.Commit}) from the cache", LineKind.Runner);
        if (resolution.Note is { } note)
        {
            job.Emit(logName, (resolution.Fetched ? "" : "##[warning]") + $"{reference.Key}: {note}", LineKind.Runner);
        }

        var directory = reference.Path.Length == 0 ? resolution.Root! : Path.Combine([resolution.Root!, .. reference.Path.Split('/')]);
        return (directory, null);
    }

    /// <summary>The folder of an action this run already resolved; null when it has not been (or failed).</summary>
    public string? Resolved(ActionReference reference)
    {
        if (!_resolutions.TryGetValue(reference.Key, out var lazy) || !lazy.IsValueCreated || !lazy.Value.IsCompletedSuccessfully
            || lazy.Value.Result is not { Root: { } root, Error: null })
        {
            return null;
        }

        return reference.Path.Length == 0 ? root : Path.Combine([root, .. reference.Path.Split('/')]);
    }

    private GitSource Git(JobRun job)
    {
        // CATALYTIC_ACTIONS_TOKEN names the token for the actions' sources; else the run's GITHUB_TOKEN, as GitHub uses its own.
        string? Secret(string name) => job.Session.Secrets[name] is { } node ? ContextValues.Stringify(node) : null;
        var token = Secret("CATALYTIC_ACTIONS_TOKEN") is { Length: > 0 } t ? t : Secret("GITHUB_TOKEN");
        return new GitSource(job.Session.HostEnvironment, token);
    }
}
