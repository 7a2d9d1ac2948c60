using Catalytic.Runner.Actions.BuiltIn.Processes;

namespace Catalytic.Runner.Services;

/// <summary>
/// The podman command line as the services and the job container use it: one executable, short commands with
/// arguments as a list, secrets passed through the environment (`-e NAME`) rather than on the command line, and
/// the messages that tell a person how to get an image into podman's local store (nothing is ever pulled).
/// </summary>
internal sealed class Podman(string executable)
{
    /// <summary>The label every container Catalytic starts carries, so a person can find strays: `podman ps -a --filter label=catalytic`.</summary>
    public const string Label = "catalytic";

    public string Executable { get; } = executable;

    /// <summary>`--label` arguments every container gets: the kind and id, and the runner's process id for <see cref="RemoveStraysAsync"/>.</summary>
    public static IEnumerable<string> Labels(string kind, string id) =>
        ["--label", $"{Label}.{kind}={id}", "--label", $"{Label}.pid={Environment.ProcessId}"];

    /// <summary>
    /// Removes the containers of runners that no longer exist (killed with SIGKILL, so their exit hook never ran):
    /// those whose `catalytic.pid` label names no live process. Called before each start; errors are ignored.
    /// </summary>
    public async Task RemoveStraysAsync(CancellationToken ct)
    {
        var list = await RunAsync(["ps", "-a", "--filter", $"label={Label}.pid", "--format", "{{.Names}} {{index .Labels \"" + Label + ".pid\"}}"], ct);
        foreach (var line in list.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split(' ', 2);
            if (parts.Length == 2 && int.TryParse(parts[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pid)
                && pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}"))
            {
                await RemoveAsync(parts[0]);
            }
        }
    }

    public Task<ProcessOutcome> RunAsync(IEnumerable<string> args, CancellationToken ct, IReadOnlyDictionary<string, string>? env = null) =>
        ProcessRunner.RunAsync(Executable, args, null, env, ct);

    /// <summary>True when <paramref name="image"/> is in the local store (`podman image exists`).</summary>
    public async Task<bool> ImageExistsAsync(string image, CancellationToken ct) =>
        (await RunAsync(["image", "exists", image], ct)).Succeeded;

    /// <summary>A container name no other job, test or run uses: `catalytic-KIND-ID-RANDOM` (podman's name rules).</summary>
    public static string NewName(string kind, string id)
    {
        var safe = new string(id.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-').ToArray());
        return $"catalytic-{kind}-{safe}-{Guid.NewGuid().ToString("N")[..10]}";
    }

    /// <summary>Removes a container and its anonymous volumes at once (SIGKILL, as `docker rm --force`); errors ignored.</summary>
    public Task RemoveAsync(string name) => RunAsync(["rm", "--force", "--time", "0", "--volumes", name], CancellationToken.None);

    /// <summary>The container's last log lines, for an error message.</summary>
    public async Task<string> LogsAsync(string name, CancellationToken ct)
    {
        var logs = await RunAsync(["logs", "--tail", "20", name], ct);
        var text = (logs.StdOut + logs.StdErr).Trim();
        return text.Length == 0 ? "(no output)" : text;
    }

    /// <summary>`true`/`false` from `podman inspect`, null when the container is gone.</summary>
    public async Task<bool?> IsRunningAsync(string name, CancellationToken ct)
    {
        var state = await RunAsync(["inspect", "--format", "{{.State.Running}}", name], ct);
        return state.Succeeded ? state.StdOut.Trim() == "true" : null;
    }

    /// <summary>What to do when an image is not in the local store.</summary>
    public static string NotLocalMessage(string image) =>
        $"image {image} is not in podman's local store, and Catalytic pulls nothing: put it there first, with `podman load -i FILE` (an archive made by `podman save {image}` on a machine that has it) or `podman build -t {image} DIR`";

    /// <summary>What to do when podman is not installed.</summary>
    public static string MissingMessage(string image) =>
        $"image {image} needs podman, which is not installed (no `podman` on PATH); without it only postgres:* and redis:* (and valkey:*) run, from the machine's own binaries. Install podman (Debian: apt-get install podman) and put the image in its local store (`podman load -i FILE` or `podman build -t {image} DIR`)";

    /// <summary>
    /// `-e NAME` for each variable, with the value in the podman process's own environment: values (secrets among
    /// them) never appear on a command line that `ps` shows. Returns the arguments and that environment.
    /// </summary>
    public static (List<string> Args, Dictionary<string, string> Env) EnvironmentArguments(IReadOnlyDictionary<string, string> variables, IReadOnlyDictionary<string, string> hostEnvironment)
    {
        var args = new List<string>();
        var env = new Dictionary<string, string>(hostEnvironment, StringComparer.Ordinal);
        foreach (var (key, value) in variables)
        {
            if (AffectsPodman(key))
            {
                // podman itself reads these (its PATH, HOME, storage and config locations): pass the value on the
                // command line and keep the podman process's own.
                args.AddRange(["-e", $"{key}={value}"]);
            }
            else
            {
                args.AddRange(["-e", key]);
                env[key] = value;
            }
        }

        return (args, env);
    }

    private static bool AffectsPodman(string name) =>
        name is "PATH" or "HOME" or "TMPDIR" or "USER" or "LANG"
        || name.StartsWith("XDG_", StringComparison.Ordinal)
        || name.StartsWith("CONTAINERS_", StringComparison.Ordinal)
        || name.StartsWith("CONTAINER_", StringComparison.Ordinal)
        || name.StartsWith("STORAGE_", StringComparison.Ordinal)
        || name.StartsWith("REGISTRY_", StringComparison.Ordinal)
        || name.StartsWith("BUILDAH_", StringComparison.Ordinal)
        || name.StartsWith("LC_", StringComparison.Ordinal);

    /// <summary>
    /// `options:` split like a shell, without the `--health-*` flags (Catalytic runs the health check itself: podman's
    /// own timer needs systemd) — the rest goes to `podman run` as GitHub passes it to `docker create`.
    /// </summary>
    public static List<string> RunOptions(string options)
    {
        var tokens = ServiceOptions.Tokenize(options);
        var kept = new List<string>();
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (token.StartsWith("--health-", StringComparison.Ordinal) || token == "--no-healthcheck")
            {
                if (!token.Contains('=', StringComparison.Ordinal) && token != "--no-healthcheck" && i + 1 < tokens.Count)
                {
                    i++;
                }

                continue;
            }

            kept.Add(token);
        }

        return kept;
    }
}
