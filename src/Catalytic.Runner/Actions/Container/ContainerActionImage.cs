using System.Security.Cryptography;
using System.Text;
using Catalytic.Runner.Execution;
using Catalytic.Runner.Logging;
using Catalytic.Runner.Services;

namespace Catalytic.Runner.Actions.Container;

/// <summary>
/// The image a container action runs: <c>docker://IMAGE</c> (a step's <c>uses:</c> or an action's <c>runs.image</c>)
/// taken from podman's local store as job containers are (nothing is pulled), or a Dockerfile of the action built with
/// <c>podman build</c> and tagged by the SHA-256 of its build context, so an unchanged action (a fetched commit, a
/// local folder as it is) is built once and found in the store on every later run.
/// </summary>
internal static class ContainerActionImage
{
    /// <summary>The repository every image built from an action's Dockerfile is tagged in (<c>podman images</c> lists them).</summary>
    public const string Repository = "localhost/catalytic-action";

    /// <summary>The image to run, or the error naming what is missing and what to do.</summary>
    public static async Task<(string? Image, string? Error)> ResolveAsync(
        JobRun job, Podman podman, string logName, string? actionDirectory, string image, CancellationToken cancellationToken)
    {
        if (image.StartsWith("docker://", StringComparison.Ordinal))
        {
            var name = image["docker://".Length..].Trim();
            if (name.Length == 0)
            {
                return (null, $"'{image}' names no image");
            }

            return await podman.ImageExistsAsync(name, cancellationToken) ? (name, null) : (null, Podman.NotLocalMessage(name));
        }

        if (actionDirectory is null)
        {
            return (null, $"runs.image '{image}' is neither docker://IMAGE nor a Dockerfile of an action folder");
        }

        var dockerfile = Path.GetFullPath(Path.Combine(actionDirectory, image));
        if (!File.Exists(dockerfile))
        {
            return (null, $"runs.image '{image}': no such Dockerfile ({dockerfile})");
        }

        var context = Path.GetDirectoryName(dockerfile)!;
        var tag = $"{Repository}:{ContentHash(context, dockerfile)}";
        if (await podman.ImageExistsAsync(tag, cancellationToken))
        {
            job.Emit(logName, $"Using {tag}, built earlier from {dockerfile} (the same content).", LineKind.Runner);
            return (tag, null);
        }

        job.Emit(logName, $"Building {tag} from {dockerfile} with podman build…", LineKind.Runner);
        var build = await podman.RunAsync(["build", "--pull=never", "-t", tag, "-f", dockerfile, context], cancellationToken, job.Session.HostEnvironment);
        foreach (var line in (build.StdOut + build.StdErr).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            job.Emit(logName, line.TrimEnd('\r'), LineKind.Output);
        }

        if (!build.Succeeded)
        {
            var last = build.ErrorText.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "(no output)";
            return (null, $"building {dockerfile} failed (podman build exited with {build.ExitCode}): {last}");
        }

        return (tag, null);
    }

    /// <summary>
    /// SHA-256 over the build context (each file's relative path, executable bit, length and bytes, in ordinal order; `.git`
    /// left out) and the Dockerfile's path in it: the cache key of the built image. The first 32 hex digits are the tag.
    /// </summary>
    public static string ContentHash(string context, string dockerfile)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(Path.GetRelativePath(context, dockerfile) + "\0"));
        var files = Directory.EnumerateFiles(context, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false })
            .Select(f => Path.GetRelativePath(context, f))
            .Where(r => r != ".git" && !r.StartsWith(".git/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        var buffer = new byte[81920];
        foreach (var relative in files)
        {
            var path = Path.Combine(context, relative);
            var executable = !OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & UnixFileMode.UserExecute) != 0;
            using var stream = File.OpenRead(path);
            hash.AppendData(Encoding.UTF8.GetBytes($"{relative}\0{(executable ? 'x' : '-')}\0{stream.Length}\0"));
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                hash.AppendData(buffer, 0, read);
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset())[..32];
    }
}
