using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Catalytic.Runner.Services;

/// <summary>
/// A job's `container:` running through podman: one container for the whole job, kept alive by
/// `tail -f /dev/null` as GitHub's runner does, on the host's network (services are at 127.0.0.1 and each service id
/// resolves there through `--add-host`), with the workspace, the job's temporary folder (RUNNER_TEMP, the
/// file-command files, the scripts) and any other folder the runner names bind-mounted at the same paths, so a path
/// means the same inside and out. Each `run:` step is a `podman exec` (<see cref="ExecArguments"/>); the container is
/// removed when the job ends, or at once when the runner is stopped.
/// </summary>
internal sealed class JobContainer : IAsyncDisposable
{
    /// <summary>The programs looked for once at start: the shells of GitHub's table.</summary>
    private static readonly string[] ProbedPrograms = ["bash", "sh", "python", "python3", "node", "pwsh"];

    private readonly Podman _podman;
    private readonly EventHandler _onExit;
    private int _removed;

    private JobContainer(Podman podman, string name, string id, string image, string path, IReadOnlyDictionary<string, string> programs)
    {
        _podman = podman;
        Name = name;
        Id = id;
        Image = image;
        Path = path;
        Programs = programs;
        _onExit = (_, _) => StopNow();
        AppDomain.CurrentDomain.ProcessExit += _onExit;
    }

    /// <summary>The container's name (`catalytic-job-…`).</summary>
    public string Name { get; }

    /// <summary>The container id: `job.container.id`.</summary>
    public string Id { get; }

    public string Image { get; }

    /// <summary>`job.container.network`: the container shares the host's network.</summary>
    public static string Network => "host";

    /// <summary>The image's PATH (its `ENV PATH`, else the usual default): the base of a step's PATH.</summary>
    public string Path { get; }

    /// <summary>The shells found in the image, name → absolute path.</summary>
    public IReadOnlyDictionary<string, string> Programs { get; }

    /// <summary>The podman executable that started the container.</summary>
    public string PodmanExecutable => _podman.Executable;

    /// <summary>
    /// Where <paramref name="program"/> is in the image: a probed shell's path or null when the image lacks it; any
    /// other program (a custom `shell:`) is left to the container's PATH.
    /// </summary>
    public string? Find(string program) =>
        Programs.TryGetValue(program, out var path) ? path : ProbedPrograms.Contains(program, StringComparer.Ordinal) ? null : program;

    /// <summary>
    /// Starts the container. <paramref name="mounts"/> are host folders mounted at the same path (the workspace
    /// first, which is also the working directory); <paramref name="serviceIds"/> become host names for 127.0.0.1.
    /// </summary>
    public static async Task<JobContainer> StartAsync(
        ServiceDefinition definition,
        Podman podman,
        IReadOnlyList<string> mounts,
        IReadOnlyCollection<string> serviceIds,
        IReadOnlyDictionary<string, string> hostEnvironment,
        Action<string> log,
        CancellationToken ct)
    {
        if (!await podman.ImageExistsAsync(definition.Image, ct))
        {
            throw new ServiceStartException($"job container: {Podman.NotLocalMessage(definition.Image)}");
        }

        await podman.RemoveStraysAsync(ct);
        var name = Podman.NewName("job", definition.Id);
        var userOptions = Podman.RunOptions(definition.Options);
        var args = new List<string> { "run", "--detach", "--pull=never", "--name", name };
        args.AddRange(Podman.Labels("job", definition.Id));
        if (!userOptions.Any(o => o is "--network" or "--net" || o.StartsWith("--network=", StringComparison.Ordinal) || o.StartsWith("--net=", StringComparison.Ordinal)))
        {
            args.AddRange(["--network", "host"]);
        }

        foreach (var id in serviceIds)
        {
            args.AddRange(["--add-host", $"{id}:127.0.0.1"]);
        }

        foreach (var mount in mounts.Distinct(StringComparer.Ordinal))
        {
            args.AddRange(["--volume", $"{mount}:{mount}"]);
        }

        args.AddRange(["--workdir", mounts[0]]);
        foreach (var text in definition.Ports)
        {
            // On the host's network a container port is already the host's port; the mapping only checks the syntax.
            _ = PortMapping.Parse(text, out var error) ?? throw new ServiceStartException($"job container: {error}");
        }

        var (envArgs, podmanEnv) = Podman.EnvironmentArguments(definition.Env, hostEnvironment);
        args.AddRange(envArgs);
        foreach (var volume in definition.Volumes)
        {
            args.AddRange(["--volume", volume]);
        }

        args.AddRange(userOptions);
        args.AddRange(["--entrypoint", "tail", definition.Image, "-f", "/dev/null"]);

        try
        {
            var run = await podman.RunAsync(args, ct, podmanEnv);
            if (!run.Succeeded)
            {
                throw new ServiceStartException($"job container {definition.Image}: podman run failed: {ServiceSupport.PodmanError(run.ErrorText)}");
            }

            if (await podman.IsRunningAsync(name, ct) != true)
            {
                throw new ServiceStartException($"job container {definition.Image} exited at once (the image needs `tail` to stay up, as on GitHub); its log:\n{await podman.LogsAsync(name, CancellationToken.None)}");
            }

            var env = await podman.RunAsync(["inspect", "--format", "{{range .Config.Env}}{{println .}}{{end}}", name], ct);
            var path = env.StdOut.Split('\n').FirstOrDefault(l => l.StartsWith("PATH=", StringComparison.Ordinal))?["PATH=".Length..].Trim()
                ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
            // Each program's first match on the image's PATH (`command -v` may name a busybox builtin without a path).
            var probe = await podman.RunAsync(["exec", name, "sh", "-c", $"IFS=:; for p in {string.Join(' ', ProbedPrograms)}; do for d in $PATH; do if [ -x \"$d/$p\" ]; then echo \"$d/$p\"; break; fi; done; done"], ct);
            var programs = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var line in probe.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (line.StartsWith('/'))
                {
                    programs.TryAdd(System.IO.Path.GetFileName(line), line);
                }
            }

            var container = new JobContainer(podman, name, run.StdOut.Trim(), definition.Image, path, programs);
            log($"job container {definition.Image} running as {name} (host network{(serviceIds.Count > 0 ? $"; services by name: {string.Join(", ", serviceIds)}" : string.Empty)}; shells: {(programs.Count == 0 ? "none found" : string.Join(", ", programs.Keys))}).");
            return container;
        }
        catch
        {
            // Whatever went wrong, even a cancelled start: a container of this name may exist, and must not stay.
            await podman.RemoveAsync(name);
            throw;
        }
    }

    /// <summary>
    /// The `podman exec` arguments that run <paramref name="program"/> in the container, in
    /// <paramref name="workingDirectory"/>, with <paramref name="variables"/> as its whole environment (on top of the
    /// container's own). With a file in <paramref name="groupFile"/>, a `sh` wrapper first writes the step's process
    /// group there, so <see cref="KillStepAsync"/> can end what the step started when it is cancelled or times out
    /// (killing the `podman exec` client alone would leave it running). Returns the arguments and the environment the
    /// podman process itself needs (<see cref="Podman.EnvironmentArguments"/>).
    /// </summary>
    public (List<string> Args, Dictionary<string, string> Env) ExecArguments(
        string workingDirectory,
        IReadOnlyDictionary<string, string> variables,
        IReadOnlyDictionary<string, string> hostEnvironment,
        string? groupFile,
        string program,
        IReadOnlyList<string> arguments)
    {
        var args = new List<string> { "exec", "--workdir", workingDirectory };
        var (envArgs, env) = Podman.EnvironmentArguments(variables, hostEnvironment);
        args.AddRange(envArgs);
        args.Add(Name);
        if (groupFile is not null && Programs.ContainsKey("sh"))
        {
            // Field 5 of /proc/PID/stat is the process group; `$0` is the file, "$@" the step's command.
            args.AddRange(["sh", "-c", "read -r _ _ _ _ g _ < /proc/$$/stat && echo \"$g\" > \"$0\"; exec \"$@\"", groupFile]);
        }

        args.Add(program);
        args.AddRange(arguments);
        return (args, env);
    }

    /// <summary>
    /// Ends the process group a cancelled or timed-out step left in the container as the runner ends a host step:
    /// SIGINT, up to <paramref name="grace"/> for it to go, then SIGKILL.
    /// </summary>
    /// <remarks>The grace runs inside the container (its <c>sleep</c>), not on the runner's clock: the processes are there.</remarks>
    public async Task KillStepAsync(string groupFile, TimeSpan grace, ILogger log)
    {
        string text;
        try
        {
            text = File.Exists(groupFile) ? (await File.ReadAllTextAsync(groupFile, CancellationToken.None)).Trim() : string.Empty;
        }
        catch (IOException e)
        {
            // Without the group id nothing can be signalled inside; what is left goes with the container at the job's end.
            Logging.RunnerLog.ContainerGroupUnknown(log, Name, groupFile, e);
            return;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var group) && group > 1)
        {
            var tenths = (int)Math.Ceiling(grace.TotalSeconds * 10);
            // `kill -s SIG -PGID` (busybox's kill refuses `--`; others may need it).
            var script = $"k() {{ kill -s $1 -{group} 2>/dev/null || kill -s $1 -- -{group} 2>/dev/null; }}; k INT || exit 0; i=0; "
                + $"while k 0 && [ $i -lt {tenths} ]; do sleep 0.1; i=$((i+1)); done; k KILL; exit 0";
            await _podman.RunAsync(["exec", Name, "sh", "-c", script], CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _removed, 1) == 0)
        {
            AppDomain.CurrentDomain.ProcessExit -= _onExit;
            await _podman.RemoveAsync(Name);
        }
    }

    /// <summary>Removes the container synchronously (the runner is exiting: Ctrl-C, SIGTERM).</summary>
    public void StopNow()
    {
        if (Interlocked.Exchange(ref _removed, 1) == 0)
        {
            _podman.RemoveAsync(Name).GetAwaiter().GetResult();
        }
    }
}
