using System.Collections.Immutable;
using Catalytic.Pipelines.Dispatch;
using Catalytic.Pipelines.Repositories;
using Catalytic.Pipelines.Webhooks;

namespace Catalytic.Pipelines.Triggers;

/// <summary>
/// Everything that decides that a run starts, for one server: each repository's triggers (watch, poll, schedules),
/// webhooks and dispatches. Runs go to <see cref="TriggerServices.Queue"/>.
/// </summary>
public sealed class PipelineTriggers : IAsyncDisposable
{
    private readonly ImmutableDictionary<string, RepositoryTriggers> _repositories;

    /// <summary>Triggers for <paramref name="repositories"/> (not started yet).</summary>
    public PipelineTriggers(IEnumerable<RepositoryDefinition> repositories, TriggerServices services)
    {
        _repositories = repositories.ToImmutableDictionary(r => r.Name, r => new RepositoryTriggers(r, services), StringComparer.Ordinal);
        Webhooks = new WebhookHandler(this, services);
        Dispatches = new DispatchHandler(this);
    }

    /// <summary>The repositories, by name.</summary>
    public IReadOnlyDictionary<string, RepositoryTriggers> Repositories => _repositories;

    /// <summary><c>POST /api/hooks/{repo}</c>'s logic.</summary>
    public WebhookHandler Webhooks { get; }

    /// <summary>workflow_dispatch and repository_dispatch.</summary>
    public DispatchHandler Dispatches { get; }

    /// <summary>Every repository's status, by name.</summary>
    public IReadOnlyList<RepositoryStatus> Status => [.. _repositories.Values.Select(r => r.Status).OrderBy(s => s.Name, StringComparer.Ordinal)];

    /// <summary>Starts every repository's triggers. A repository that cannot start is recorded failing; the others start.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        foreach (var r in _repositories.Values)
        {
            await r.StartAsync(ct);
        }
    }

    /// <summary>Asks repository <paramref name="name"/> to read its refs now (the git hook's notice); false when there is no such repository.</summary>
    public bool Notify(string name)
    {
        if (!_repositories.TryGetValue(name, out var r))
        {
            return false;
        }

        r.RequestScan();
        return true;
    }

    /// <summary>Repository <paramref name="name"/>, or null.</summary>
    public RepositoryTriggers? Find(string name) => _repositories.GetValueOrDefault(name);

    public async ValueTask DisposeAsync()
    {
        foreach (var r in _repositories.Values)
        {
            await r.DisposeAsync();
        }
    }
}
