namespace Catalytic.Contracts.Workers;

/// <summary>
/// Where the worker protocol lives in the API (docs/server.md, "The worker protocol"). Every route needs a worker's
/// credential (a worker token, or the server's own token for a worker on its machine). A lease in a path is the
/// opaque string <see cref="WorkerAssignmentView.Lease"/> handed out with the job, and only the credential that took
/// the job can use it.
/// </summary>
public static class WorkerRoutes
{
    /// <summary>POST a <see cref="WorkerAcquireBody"/>: 200 with a <see cref="WorkerAssignmentView"/>, or 204 when no job came in the wait.</summary>
    public const string Acquire = "/api/workers/acquire";

    /// <summary>GET (?worker=NAME): the checks of catalytic.yml that run from workers, as a <see cref="WorkerChecksView"/>.</summary>
    public const string Checks = "/api/workers/checks";

    /// <summary>POST a <see cref="WorkerProbeBody"/>: 202 when taken, a problem naming the field when refused.</summary>
    public const string CheckResults = "/api/workers/checks/results";

    /// <summary>The group of one lease.</summary>
    public const string Lease = "/api/workers/leases/{lease}";

    /// <summary>POST (no body): extends the lease; answers a <see cref="LeaseAnswer"/>.</summary>
    public const string Renew = "/renew";

    /// <summary>POST a <see cref="WorkerReportBody"/>; answers a <see cref="LeaseAnswer"/>.</summary>
    public const string Report = "/report";

    /// <summary>POST a <see cref="WorkerCompleteBody"/>; answers a <see cref="LeaseAnswer"/>.</summary>
    public const string Complete = "/complete";

    /// <summary>GET the run's artifacts (<see cref="WorkerArtifactView"/> list).</summary>
    public const string Artifacts = "/artifacts";

    /// <summary>
    /// GET: the artifact's files as a tar stream; PUT a tar stream (?overwrite=true&amp;retention-days=N): stores it, all or
    /// nothing, and answers its <see cref="WorkerArtifactView"/> (409 when the name is taken without overwrite).
    /// </summary>
    public const string Artifact = "/artifacts/{name}";

    /// <summary>GET the repository's cache entries (<see cref="WorkerCacheEntryView"/> list); PUT an archive (?key=&amp;version=): a <see cref="WorkerCacheSaveView"/>.</summary>
    public const string Caches = "/caches";

    /// <summary>POST a <see cref="WorkerCacheLookupBody"/>: a <see cref="WorkerCacheLookupView"/>.</summary>
    public const string CacheLookup = "/caches/lookup";

    /// <summary>GET one entry's archive.</summary>
    public const string Cache = "/caches/{id}";

    /// <summary>
    /// The server's repositories over git's smart HTTP, read-only (<c>git fetch SERVER/api/workers/git/NAME.git</c> with
    /// the worker's credential in an <c>Authorization</c> header).
    /// </summary>
    public const string Git = "/api/workers/git/{repository}.git/{**path}";

    /// <summary>The header a git fetch names the lease it fetches for (a lease on a job of that repository, of the same credential).</summary>
    public const string LeaseHeader = "X-Catalytic-Lease";

    /// <summary>The header a worker's requests name it in (logs and <c>catalytic workers</c>; the lease, not this, is what authorises).</summary>
    public const string WorkerHeader = "X-Catalytic-Worker";

    /// <summary>The relative path of a lease's route (<paramref name="suffix"/> is one of the constants above, or empty).</summary>
    public static string LeasePath(string lease, string suffix = "") => "api/workers/leases/" + Uri.EscapeDataString(lease) + suffix;

    /// <summary>The relative path of one artifact of a lease's run.</summary>
    public static string ArtifactPath(string lease, string name) => LeasePath(lease, "/artifacts/" + Uri.EscapeDataString(name));

    /// <summary>The relative path of one cache entry of a lease's repository.</summary>
    public static string CachePath(string lease, string id) => LeasePath(lease, "/caches/" + Uri.EscapeDataString(id));

    /// <summary>The relative URL of a repository for git.</summary>
    public static string GitPath(string repository) => "api/workers/git/" + Uri.EscapeDataString(repository) + ".git";
}
