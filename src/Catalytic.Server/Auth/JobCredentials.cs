using Catalytic.Identity.Accounts;
using Catalytic.Identity.Roles;
using Catalytic.Pipelines.Queue;
using Catalytic.Pipelines.Runs;
using Microsoft.AspNetCore.Builder;

namespace Catalytic.Server.Auth;

/// <summary>
/// Authenticates a job's credential (<see cref="JobTokens"/>, handed to the worker with the job's lease): the caller is
/// <c>job:RUN/JOB</c>, kind <see cref="CallerKind.Job"/>, while the run store shows the job in progress under the lease
/// the credential hashes to — not once the job ended, was cancelled, lost or re-queued. Its role is developer, but the
/// policy handler lets it reach only the endpoints marked <see cref="JobEndpointExtensions.AllowJobs{TBuilder}"/>
/// (deploying an uploaded artifact, reading the deployments it started).
/// </summary>
public sealed class JobCredentials(Func<string, CancellationToken, Task<JobRecord?>>? jobByLease)
{
    /// <summary>A server without a run queue: no job credential is ever valid.</summary>
    public static JobCredentials None { get; } = new(null);

    /// <summary>Job credentials checked against <paramref name="store"/>.</summary>
    public static JobCredentials On(IRunStore store) => new((lease, ct) => store.GetJobByLeaseAsync(lease, ct));

    /// <summary>The caller <paramref name="token"/> stands for; null when it is no job credential or its job no longer holds the lease.</summary>
    public async Task<Caller?> AuthenticateAsync(string token, CancellationToken ct)
    {
        if (jobByLease is null || JobTokens.LeaseId(token) is not { } lease)
        {
            return null;
        }

        return await jobByLease(lease, ct) is { Status: JobStatuses.InProgress } job && job.LeaseId == lease
            ? new Caller(NameOf(job.RunId, job.Key), Role.Developer, CallerKind.Job)
            : null;
    }

    /// <summary>How a job is named as a caller (the audit log's actor, a deployment's requested-by).</summary>
    public static string NameOf(long runId, string jobKey) => $"job:{runId.ToString(System.Globalization.CultureInfo.InvariantCulture)}/{jobKey}";
}

/// <summary>Marks an endpoint a job's credential may call (every other endpoint refuses it with 403).</summary>
public sealed record JobEndpoint;

/// <summary>How endpoints admit job credentials.</summary>
public static class JobEndpointExtensions
{
    /// <summary>Lets a job's credential call the endpoint (its policy still applies: a job is a developer).</summary>
    public static TBuilder AllowJobs<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.WithMetadata(new JobEndpoint());
        return builder;
    }
}
