using Catalytic.Runner.Processes;
using Catalytic.Workflows.Model;

namespace Catalytic.Runner.Services;

/// <summary>A program the host lacks, the Debian package that provides it, and the services that need it.</summary>
public sealed record MissingProgram(string Program, string Package, IReadOnlyList<string> NeededBy);

/// <summary>
/// What the jobs' <c>services:</c> need from the machine before a run starts: PostgreSQL's binaries for
/// <c>postgres:*</c>, <c>redis-server</c> (or valkey) for <c>redis:*</c> and <c>valkey:*</c>, podman for any other
/// image. Checked up front so a missing program stops a pipeline at once, naming the package, instead of failing the
/// job that needs it minutes later. Images written as expressions are known only at run time and are not checked.
/// </summary>
public static partial class HostPrerequisites
{
    /// <summary>The programs missing for the services of <paramref name="jobs"/>, one entry per program.</summary>
    /// <param name="jobs">The jobs that may run.</param>
    /// <param name="path">PATH to search; null: the process's own.</param>
    /// <param name="postgresBinaries">Finds PostgreSQL's bin folder; null: <see cref="PostgresService.FindBinaries"/>.</param>
    public static IReadOnlyList<MissingProgram> Check(IEnumerable<Job> jobs, string? path = null, Func<string?>? postgresBinaries = null)
    {
        var needs = new Dictionary<string, (string Package, List<string> By)>(StringComparer.Ordinal);
        foreach (var job in jobs)
        {
            foreach (var (id, image) in LiteralImages(job))
            {
                var requirement = Requirement(ImageName(image), path, postgresBinaries ?? PostgresService.FindBinaries);
                if (requirement is { } r)
                {
                    if (!needs.TryGetValue(r.Program, out var entry))
                    {
                        needs[r.Program] = entry = (r.Package, []);
                    }

                    entry.By.Add($"{job.Id}/{id} ({image})");
                }
            }
        }

        return [.. needs.Select(n => new MissingProgram(n.Key, n.Value.Package, n.Value.By))];
    }

    /// <summary>Finds a program on <paramref name="path"/> (null: the process's PATH), as the runner does.</summary>
    public static string? FindProgram(string name, string? path = null) => Programs.FindOnPath(name, path);

    private static (string Program, string Package)? Requirement(string name, string? path, Func<string?> postgresBinaries) => name switch
    {
        "postgres" => postgresBinaries() is null ? ("PostgreSQL (initdb, pg_ctl)", "postgresql") : null,
        "redis" or "valkey" => Programs.FindOnPath("redis-server", path) is null && Programs.FindOnPath("valkey-server", path) is null
            ? ("redis-server", "redis-server")
            : null,
        _ => Programs.FindOnPath("podman", path) is null ? ("podman", "podman") : null,
    };

    private static IEnumerable<(string Id, string Image)> LiteralImages(Job job)
    {
        if (job.Services is not { } services)
        {
            yield break;
        }

        foreach (var (key, value) in services.Entries)
        {
            var image = value switch
            {
                TemplateScalar s => s,
                TemplateMapping m => m["image"] as TemplateScalar,
                _ => null,
            };
            if (image is { } i && !i.Value.Contains("${{", StringComparison.Ordinal) && i.Value.Length > 0)
            {
                yield return (key.Value, i.Value);
            }
        }
    }

    private static string ImageName(string image) => new ServiceDefinition("", image).ImageName;
}
