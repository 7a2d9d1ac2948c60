using Catalytic.Pipelines.Repositories;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Catalytic.Pipelines.Triggers;

/// <summary>What every trigger of a server shares: where runs go, where secrets and time come from, where state lives.</summary>
public sealed record TriggerServices
{
    /// <summary>Records runs (the queue helper's store; tests record them).</summary>
    public required IRunQueue Queue { get; init; }

    /// <summary>When each schedule last fired (implemented on the queue's store).</summary>
    public required IScheduleHistory ScheduleHistory { get; init; }

    /// <summary>Webhook secrets and fetch credentials.</summary>
    public required ISecretSource Secrets { get; init; }

    /// <summary>The server's state folder: the mirrors live in <c>repositories/</c> under it.</summary>
    public required string StateDirectory { get; init; }

    /// <summary>The clock of polls, schedules and debounces.</summary>
    public required TimeProvider Time { get; init; }

    /// <summary>The triggers' log.</summary>
    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>
    /// Whether local repositories are watched with file-system notifications (inotify) besides polling. False leaves
    /// only the poll: what a lost notification amounts to, and what a file system without notifications gives.
    /// </summary>
    public bool FileSystemNotifications { get; init; } = true;

    /// <summary>The longest a git fetch may take before it is stopped and recorded as failed.</summary>
    public TimeSpan FetchTimeout { get; init; } = TimeSpan.FromMinutes(10);
}
