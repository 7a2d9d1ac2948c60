using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Catalytic.Platform.Linux;
using Catalytic.Platform.Secrets;
using Catalytic.Runner.Actions;
using Catalytic.Runner.Hosting;
using Catalytic.Runner.Steps;
using Catalytic.Runner.Processes;
using Catalytic.Runner.Scheduling;
using Catalytic.Runner.Scheduling.Concurrency;
using Catalytic.Workflows.Reusable;

namespace Catalytic.Runner.Execution;

/// <summary>State shared by every job of one run: options, masker, listener, the run folder and live processes.</summary>
internal sealed class RunSession
{
    private static readonly ConcurrentDictionary<int, byte> LiveGroups = new();
    private readonly List<Task> _cleanups = [];

    static RunSession()
    {
        // If the runner is torn down (second Ctrl-C, SIGTERM not handled), do not leave steps running on their own.
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var pgid in LiveGroups.Keys)
            {
                ProcessGroups.Signal(pgid, ProcessGroups.SigKill);
            }
        };
    }

    public RunSession(RunOptions options, IExpressionEngine expressions, SecretMasker masker, IJobHost host, string runDirectory, int runNumber)
    {
        Options = options;
        Expressions = expressions;
        Masker = masker;
        Host = host;
        RunDirectory = runDirectory;
        RunNumber = runNumber;
        Actions = new ActionRegistry(options.Actions);
        RemoteActions = new Catalytic.Runner.Actions.Remote.RemoteActions(options);
        Slots = new JobSlots(options.MaxParallel);
        Concurrency = new ConcurrencyGroups(options.State, options.Time, log: options.Logger);
        HostEnvironment = options.HostEnvironment ?? ReadHostEnvironment();
        Secrets = new JsonObject();
        foreach (var (k, v) in options.Secrets)
        {
            Secrets[k] = v;
        }

        Secrets["GITHUB_TOKEN"] = options.Secrets.GetValueOrDefault("GITHUB_TOKEN", "");
        Vars = new JsonObject();
        foreach (var (k, v) in options.Vars)
        {
            Vars[k] = v;
        }
    }

    public RunOptions Options { get; }

    public IExpressionEngine Expressions { get; }

    public SecretMasker Masker { get; }

    /// <summary>Where the jobs' lines and results go, artifacts and caches are kept, secrets come from.</summary>
    public IJobHost Host { get; }

    /// <summary>The runner's own diagnostics (<see cref="RunOptions.Logger"/>).</summary>
    public Microsoft.Extensions.Logging.ILogger Log => Options.Logger;

    /// <summary>The working tree the jobs run in (the host's).</summary>
    public string Workspace => Host.Workspace;

    /// <summary>The kinds of step the jobs can run.</summary>
    public StepRunners Steps { get; init; } = StepRunners.Default;

    public string RunDirectory { get; }

    public int RunNumber { get; }

    public ActionRegistry Actions { get; }

    /// <summary>Remote actions (<c>owner/repo@ref</c>) fetched or found in the state folder's cache, resolved once per run.</summary>
    public Catalytic.Runner.Actions.Remote.RemoteActions RemoteActions { get; }

    /// <summary>The node executables JavaScript actions may run with, each asked its version once per run.</summary>
    public Catalytic.Runner.Actions.JavaScript.NodeRuntimes NodeRuntimes { get; } = new();

    /// <summary>Parsed action.yml files of local and mapped actions, read once per run.</summary>
    public Catalytic.Runner.Actions.Local.LocalActionLoader LocalActions { get; } = new();

    /// <summary>Bounds the job instances running at once across the run; freed slots go to the jobs with the longest chain after them.</summary>
    public JobSlots Slots { get; }

    public IReadOnlyDictionary<string, string> HostEnvironment { get; }

    public JsonObject Secrets { get; }

    public JsonObject Vars { get; }

    /// <summary>The reusable workflows the run's workflows call, read and checked before the run.</summary>
    public CalledWorkflows Called { get; init; } = CalledWorkflows.Empty;

    /// <summary>GitHub's concurrency groups, shared with every other run of the repository (files under the state folder).</summary>
    public ConcurrencyGroups Concurrency { get; }

    /// <summary>
    /// Deletes a finished job's temporary folder in the background: the job's result and its slot do not wait for the
    /// file system, the run does (<see cref="CleanupsAsync"/>).
    /// </summary>
    public void DeleteLater(string dir)
    {
        if (dir.Length == 0)
        {
            return;
        }

        var log = Options.Logger;
        var deletion = Task.Run(() => TryDelete(dir, log));
        lock (_cleanups)
        {
            _cleanups.Add(deletion);
        }
    }

    /// <summary>Completes when every deletion <see cref="DeleteLater"/> started is done.</summary>
    public Task CleanupsAsync()
    {
        lock (_cleanups)
        {
            return Task.WhenAll(_cleanups);
        }
    }

    /// <summary>Runs one job: here, or in a worker process when <see cref="RunOptions.JobWorker"/> names one.</summary>
    public Task<JobInstanceResult> RunJobAsync(JobRequest request, CancellationToken cancellationToken) =>
        Options.JobWorker is { Count: > 0 } worker
            ? ProcessJobLauncher.RunAsync(this, request, worker, cancellationToken)
            : new JobExecutor(this, request).RunAsync(cancellationToken);

    /// <summary>A line of the runner's own about a job that is not running (yet): waiting, skipped, called.</summary>
    public void RunnerLine(string jobLabel, string text) =>
        Host.Line(new JobLogLine(jobLabel, "", text, Logging.LineKind.Runner, Options.Time.GetUtcNow()));

    public static void Track(int pgid) => LiveGroups[pgid] = 0;

    public static void Untrack(int pgid) => LiveGroups.TryRemove(pgid, out _);

    private static void TryDelete(string dir, Microsoft.Extensions.Logging.ILogger log)
    {
        try
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A process the job left behind may still hold a file; the temp folder is the OS's to clean then.
            Logging.RunnerLog.TemporaryFolderKept(log, dir, e);
        }
    }

    private static Dictionary<string, string> ReadHostEnvironment()
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            var key = (string)e.Key;

            // The host's own GitHub Actions variables (when catalytic itself runs inside a runner) must not leak in.
            if (!key.StartsWith("GITHUB_", StringComparison.Ordinal) && !key.StartsWith("RUNNER_", StringComparison.Ordinal))
            {
                env[key] = (string?)e.Value ?? "";
            }
        }

        return env;
    }
}
