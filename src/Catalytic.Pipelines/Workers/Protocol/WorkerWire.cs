using System.Text.Json;
using Catalytic.Contracts.Workers;
using Catalytic.Pipelines.Dispatch;
using Catalytic.Runner.Actions.BuiltIn.Artifacts;
using Catalytic.Runner.Actions.BuiltIn.Cache;
using Catalytic.Runner.Hosting;

namespace Catalytic.Pipelines.Workers.Protocol;

/// <summary>How the dispatcher's and the runner's values become the worker protocol's shapes, and back.</summary>
public static class WorkerWire
{
    /// <summary>The view of <paramref name="assignment"/> with its lease sealed as <paramref name="lease"/>.</summary>
    public static WorkerAssignmentView ToView(JobAssignment assignment, string lease) => new(
        lease,
        assignment.RunId,
        assignment.JobKey,
        assignment.Attempt,
        assignment.Repository,
        assignment.Sha,
        assignment.LeaseDuration.TotalSeconds,
        JsonSerializer.SerializeToElement(assignment.Spec, JobSpecJsonContext.Default.JobSpec),
        assignment.Secrets,
        assignment.JobToken);

    /// <summary>The assignment a worker received; its <see cref="JobAssignment.LeaseId"/> is the sealed lease. Throws <see cref="JsonException"/> for a spec this worker cannot read.</summary>
    public static JobAssignment FromView(WorkerAssignmentView view)
    {
        var spec = view.Spec.Deserialize(JobSpecJsonContext.Default.JobSpec) ?? throw new JsonException("the job's spec is empty");
        if (spec.Version != 1)
        {
            throw new JsonException($"job spec version {spec.Version} is not known here (this worker reads version 1)");
        }

        return new JobAssignment
        {
            LeaseId = view.Lease,
            RunId = view.RunId,
            JobKey = view.JobKey,
            Attempt = view.Attempt,
            Spec = spec,
            Repository = view.Repository,
            Sha = view.Sha,
            Secrets = view.Secrets ?? new Dictionary<string, string>(),
            LeaseDuration = TimeSpan.FromSeconds(view.LeaseSeconds),
            JobToken = view.JobToken,
        };
    }

    public static LeaseAnswer Answer(LeaseVerdict verdict) => new(verdict switch
    {
        LeaseVerdict.Cancel => LeaseVerdicts.Cancel,
        LeaseVerdict.Revoked => LeaseVerdicts.Revoked,
        _ => LeaseVerdicts.Continue,
    });

    /// <summary>The verdict of an answer; an unknown verdict (a newer server) is taken as <see cref="LeaseVerdict.Continue"/>.</summary>
    public static LeaseVerdict Verdict(LeaseAnswer? answer) => answer?.Verdict switch
    {
        LeaseVerdicts.Cancel => LeaseVerdict.Cancel,
        LeaseVerdicts.Revoked => LeaseVerdict.Revoked,
        _ => LeaseVerdict.Continue,
    };

    public static WorkerArtifactView View(ArtifactInfo a) => new(a.Id, a.Name, a.FileCount, a.SizeBytes, a.RetentionDays, a.CreatedAt);

    public static ArtifactInfo Info(WorkerArtifactView a) => new(a.Id, a.Name, a.FileCount, a.SizeBytes, a.RetentionDays, a.CreatedAt);

    public static WorkerCacheEntryView View(CacheEntry e) => new(e.Id, e.Key, e.Version, e.SizeBytes, e.CreatedAt, e.LastAccessedAt);

    public static CacheEntry Entry(WorkerCacheEntryView e) => new(e.Id, e.Key, e.Version, e.SizeBytes, e.CreatedAt, e.LastAccessedAt);

    public static string Name(CacheSaveOutcome outcome) => outcome switch
    {
        CacheSaveOutcome.Saved => "saved",
        CacheSaveOutcome.AlreadyExists => "already-exists",
        _ => "too-large",
    };

    public static CacheSaveOutcome SaveOutcome(string? name) => name switch
    {
        "saved" => CacheSaveOutcome.Saved,
        "already-exists" => CacheSaveOutcome.AlreadyExists,
        _ => CacheSaveOutcome.TooLarge,
    };
}
