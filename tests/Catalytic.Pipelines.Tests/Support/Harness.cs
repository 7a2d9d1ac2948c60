using Catalytic.Pipelines.Repositories;
using Catalytic.Pipelines.Triggers;
using Catalytic.Testing.Waiting;

namespace Catalytic.Pipelines.Tests.Support;

/// <summary>A server's triggers over real repositories, with a recording queue.</summary>
public sealed class Harness : IAsyncDisposable
{
    private Harness(PipelineTriggers triggers, RecordingQueue queue)
    {
        Triggers = triggers;
        Queue = queue;
    }

    public PipelineTriggers Triggers { get; }

    public RecordingQueue Queue { get; }

    public static async Task<Harness> StartAsync(
        string state,
        IEnumerable<RepositoryDefinition> repositories,
        RecordingQueue? queue = null,
        TimeProvider? time = null,
        bool notifications = true,
        ISecretSource? secrets = null)
    {
        queue ??= new RecordingQueue();
        var services = new TriggerServices
        {
            Queue = queue,
            ScheduleHistory = queue,
            Secrets = secrets ?? new EnvironmentSecretSource(state),
            StateDirectory = state,
            Time = time ?? RealTime.Clock,
            FileSystemNotifications = notifications,
        };
        var triggers = new PipelineTriggers(repositories, services);
        await triggers.StartAsync(CancellationToken.None);
        var harness = new Harness(triggers, queue);
        // The first scan adopts the repository as it is (its history is not pushed again).
        foreach (var r in triggers.Repositories.Values)
        {
            await Wait.UntilAsync(() => r.Scans > 0, $"the first scan of {r.Definition.Name}");
        }

        return harness;
    }

    public RepositoryTriggers this[string name] => Triggers.Find(name)!;

    public ValueTask DisposeAsync() => Triggers.DisposeAsync();
}

/// <summary>Secrets given in the test.</summary>
public sealed class DictionarySecrets(Dictionary<string, string> values) : ISecretSource
{
    public string? Get(string repository, string name) => values.GetValueOrDefault(name);
}
