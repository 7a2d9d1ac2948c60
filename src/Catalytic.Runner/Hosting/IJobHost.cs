using Catalytic.Contracts.Runs;
using Catalytic.Runner.Actions.BuiltIn.Artifacts;
using Catalytic.Runner.Actions.BuiltIn.Cache;
using Catalytic.Runner.Logging;
using Catalytic.Runner.Reporting;

namespace Catalytic.Runner.Hosting;

/// <summary>
/// What differs between the hosts of a job — <c>catalytic run</c> (<see cref="LocalJobHost"/>), a server's embedded
/// worker and <c>catalytic worker</c> on another machine — and nothing else: which workspace, where the log lines,
/// step results and the job's result go, where artifacts and caches are kept, and what a secret's name stands for.
/// Every text handed to the host is already masked. Calls come from many jobs at once; hosts synchronise themselves.
/// </summary>
public interface IJobHost
{
    /// <summary>The working tree the job runs in (GITHUB_WORKSPACE).</summary>
    string Workspace { get; }

    /// <summary>Where the run's artifacts are kept (<c>actions/upload-artifact</c>, <c>download-artifact</c>).</summary>
    IArtifactStore Artifacts { get; }

    /// <summary>Where caches shared by runs are kept (<c>actions/cache</c>).</summary>
    ICacheStores Caches { get; }

    /// <summary>The value of the secret <paramref name="name"/>; null when the host has none by that name.</summary>
    string? Secret(string name);

    void JobStarted(string job);

    void StepStarted(string job, string step);

    /// <summary>One line of the job's log, as it is written (live).</summary>
    void Line(JobLogLine line);

    /// <summary>A step, or a pre or post part, has ended.</summary>
    void StepFinished(string job, StepReport step);

    /// <summary>The job has ended: its report carries the result, outcome, reason, outputs and every step.</summary>
    void JobFinished(string job, JobReport report, TimeSpan duration);
}

/// <summary>One line of a job's log: its job and step, the masked text, how it is shown and when it was written.</summary>
public sealed record JobLogLine(string Job, string Step, string Text, LineKind Kind, DateTimeOffset At)
{
    /// <summary>The line as a worker message carries it and the server stores it (the contract's shape; <see cref="ToStored"/>).</summary>
    public static implicit operator StoredLogLine(JobLogLine line) => line.ToStored();

    /// <summary>The line in the stored log's shape (Catalytic.Contracts), its kind by name.</summary>
    public StoredLogLine ToStored() => new(Job, Step, Text, Kind.ToString(), At);

    /// <summary>A line read from a worker's message; a kind this runner does not know is shown as output.</summary>
    public static JobLogLine FromStored(StoredLogLine line) =>
        new(line.Job, line.Step, line.Text, Enum.TryParse<LineKind>(line.Kind, ignoreCase: false, out var kind) ? kind : LineKind.Output, line.At);
}
