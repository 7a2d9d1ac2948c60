namespace Catalytic.Pipelines.Workers.Serving;

/// <summary>A refusal of the worker protocol: the HTTP status, the field at fault and why, for a problem document.</summary>
public sealed record WorkerProblem(int Status, string Field, string Detail)
{
    public static WorkerProblem Invalid(string field, string detail) => new(400, field, detail);

    /// <summary>The lease does not open with this credential: malformed, forged, or another worker's (the same answer for each, so none is told apart).</summary>
    public static WorkerProblem UnknownLease { get; } = new(404, "lease", "no such lease for this credential");

    /// <summary>The job was handed to another worker or has ended: nothing more is stored for it.</summary>
    public static WorkerProblem Revoked { get; } = new(410, "lease", "the lease is revoked: the job was handed to another worker, or it has ended");

    public static WorkerProblem TooLarge(string field, string detail) => new(413, field, detail);

    /// <summary>The credential may not act as the worker named: a worker token is for the one worker its name names.</summary>
    public static WorkerProblem NotThisWorker(string tokenFor, string asked) =>
        new(403, "name", $"this worker token was issued for worker '{tokenFor}'; it cannot register or take jobs as '{asked}' (each worker has its own token: catalytic worker token create --name {asked})");
}

/// <summary>A value, or a <see cref="WorkerProblem"/>.</summary>
public readonly record struct WorkerResult<T>(T? Value, WorkerProblem? Problem)
{
    public static implicit operator WorkerResult<T>(T value) => new(value, null);

    public static implicit operator WorkerResult<T>(WorkerProblem problem) => new(default, problem);
}
