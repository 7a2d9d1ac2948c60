using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Catalytic.Runner.Context;
using Catalytic.Runner.Execution;
using Catalytic.Runner.Logging;
using Catalytic.Runner.Reporting;
using Catalytic.Workflows.Model;
using Catalytic.Workflows.Parsing;
using Catalytic.Workflows.Reusable;

namespace Catalytic.Cli.Commands;

/// <summary>
/// `catalytic run [EVENT]`: runs the repository's workflows that the event triggers, on this machine.
/// Exit codes: 0 all triggered workflows succeeded, 1 one failed, 2 invalid workflow or usage, 130 cancelled.
/// </summary>
internal sealed partial class RunCommand : ICommand
{
    public CommandSpec Spec { get; } = new(
        "run",
        "run [EVENT] [options]",
        "Run the GitHub Actions workflows that EVENT (default: push) triggers, on this machine.",
        [
            new OptionSpec("workflows", "W", "Workflow file or folder (default .github/workflows)", "PATH"),
            new OptionSpec("job", "j", "Run only this job and the jobs it needs (repeatable)", "ID"),
            new OptionSpec("input", null, "A workflow_dispatch input (repeatable)", "NAME=VALUE"),
            new OptionSpec("secret", null, "A secret (repeatable); masked in all output", "NAME=VALUE"),
            new OptionSpec("secret-file", null, "Secrets from a dotenv file", "FILE"),
            new OptionSpec("var", null, "A value of the vars context (repeatable)", "NAME=VALUE"),
            new OptionSpec("env", null, "An environment variable for every step (repeatable)", "NAME=VALUE"),
            new OptionSpec("event-file", null, "The event payload (JSON) for github.event", "FILE"),
            new OptionSpec("list", null, "Print the plan (workflows, jobs, needs, matrices) and run nothing"),
            new OptionSpec("json", null, "Write a machine-readable report of the run", "FILE"),
            new OptionSpec("max-parallel", null, "Jobs running at once (default: the core count)", "N"),
            new OptionSpec("cancel-grace", null, "Seconds a cancelled step gets after SIGINT before SIGKILL (default 7.5)", "SECONDS"),
            new OptionSpec("action-dir", null, "Run a remote action from a local folder (repeatable; owner/name matches any ref)", "OWNER/NAME[@REF]=PATH"),
            new OptionSpec("actions-url", null, "Fetch remote actions (owner/repo@ref) from URL/owner/repo (repeatable, tried in order; default https://github.com)", "URL"),
            new OptionSpec("refresh-actions", null, "Ask the sources again for every tag and branch of remote actions (default: a resolved tag is reused for an hour)"),
            new OptionSpec("toolchain-mirror", null, "Where actions/setup-* download toolchains the host lacks (URL/TOOL/versions-manifest.json; default: Node from the npm registry)", "URL"),
            new OptionSpec("job-container", null, "Where a job's container: steps run: podman (default, in the image) or host (opt-in, the image is not used)", "podman|host"),
        ],
        MaxPositionals: 1);

    public async Task<int> ExecuteAsync(CliArgs args, CancellationToken cancellationToken)
    {
        var eventName = args.Positional(0) ?? "push";
        var workflowsArg = args.Get("workflows");
        var start = Path.GetFullPath(workflowsArg ?? Directory.GetCurrentDirectory());
        var workspace = FindWorkspace(File.Exists(start) ? Path.GetDirectoryName(start)! : start);
        var workflowsPath = workflowsArg is null ? Path.Combine(workspace, ".github", "workflows") : start;
        if (!File.Exists(workflowsPath) && !Directory.Exists(workflowsPath))
        {
            throw new UsageException($"no workflows at '{workflowsPath}'");
        }

        var load = WorkflowParser.LoadPath(workflowsPath, workspace);
        var human = args.Has("json") ? Console.Error : Console.Out;
        // Reusable workflows are read and checked with the rest: a bad call stops the run before anything starts.
        var calls = WorkflowCallResolver.Resolve(load.Files.Select(f => f.Workflow ?? f.Draft).OfType<Workflow>(), workspace, load.Files);
        if (!load.IsValid || !calls.IsValid)
        {
            var diagnostics = load.AllDiagnostics.Concat(calls.Diagnostics).Distinct()
                .OrderBy(d => d.Location.File, StringComparer.Ordinal).ThenBy(d => d.Location.Line).ThenBy(d => d.Location.Column).ToList();
            foreach (var d in diagnostics)
            {
                Console.Error.WriteLine(d.ToString());
            }

            Console.Error.WriteLine($"catalytic run: {diagnostics.Count(d => d.Severity == DiagnosticSeverity.Error)} error(s); nothing was run");
            return ExitCodes.Invalid;
        }

        var secrets = ParsePairs(args.GetAll("secret"), "--secret");
        if (args.Get("secret-file") is { } secretFile)
        {
            foreach (var (k, v) in ReadDotenv(secretFile))
            {
                secrets[k] = v;
            }
        }

        JsonObject? eventPayload = null;
        if (args.Get("event-file") is { } eventFile)
        {
            try
            {
                eventPayload = JsonNode.Parse(File.ReadAllText(eventFile)) as JsonObject
                    ?? throw new UsageException($"--event-file {eventFile}: the payload must be a JSON object");
            }
            catch (Exception e) when (e is JsonException or IOException)
            {
                throw new UsageException($"--event-file {eventFile}: {e.Message}");
            }
        }

        var inputs = DispatchInputs(eventName, eventPayload, ParsePairs(args.GetAll("input"), "--input"));
        var maxParallel = Environment.ProcessorCount;
        if (args.Get("max-parallel") is { } mp && (!int.TryParse(mp, NumberStyles.Integer, CultureInfo.InvariantCulture, out maxParallel) || maxParallel < 1))
        {
            throw new UsageException($"--max-parallel must be a positive integer, got '{mp}'");
        }

        var grace = TimeSpan.FromSeconds(7.5);
        if (args.Get("cancel-grace") is { } g)
        {
            if (!double.TryParse(g, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds < 0)
            {
                throw new UsageException($"--cancel-grace must be a number of seconds, got '{g}'");
            }

            grace = TimeSpan.FromSeconds(seconds);
        }

        var jobContainer = args.Get("job-container") switch
        {
            null or "podman" => JobContainerMode.Podman,
            "host" => JobContainerMode.Host,
            var other => throw new UsageException($"--job-container must be 'podman' or 'host', got '{other}'"),
        };

        // CATALYTIC_PODMAN: another podman executable (a wrapper, or a missing path to test the error).
        var podman = Environment.GetEnvironmentVariable("CATALYTIC_PODMAN") is { Length: > 0 } configuredPodman ? configuredPodman : null;
        var actionDirectories = LoadActionDirectories(args.GetAll("action-dir"), Directory.GetCurrentDirectory());
        var actionsUrls = LoadActionsUrls(args.GetAll("actions-url"), Directory.GetCurrentDirectory());
        var toolchainMirror = args.Get("toolchain-mirror") ?? (Environment.GetEnvironmentVariable("CATALYTIC_TOOLCHAIN_MIRROR") is { Length: > 0 } m ? m : null);
        var changedFiles = new Lazy<IReadOnlyList<string>>(() => ChangedFiles(workspace));
        var githubProbe = ProbeRef(workspace);
        var plans = load.Workflows
            .Select(w => Plan(w, eventName, githubProbe, eventPayload, changedFiles))
            .ToList();
        var plan = plans.Select(p => new PlannedWorkflow(p.Workflow, p.Triggered, p.Triggered ? null : p.Trigger.Reason)).ToList();
        var jobFilter = args.GetAll("job");
        foreach (var id in jobFilter)
        {
            if (!plan.Any(p => p.Workflow.Jobs.Any(j => j.Id == id)))
            {
                throw new UsageException($"no job '{id}' in the workflows at {workflowsPath}");
            }
        }

        foreach (var p in plan.Where(p => p.Triggered && eventName == "workflow_dispatch"))
        {
            var (_, errors) = WorkflowRunner.ResolveInputs(p.Workflow, inputs);
            if (errors.Count > 0)
            {
                errors.ForEach(Console.Error.WriteLine);
                return ExitCodes.Invalid;
            }
        }

        if (args.Has("list"))
        {
            return PrintPlan(human, plans, jobFilter, calls) ? ExitCodes.Success : ExitCodes.Invalid;
        }

        foreach (var p in plan.Where(p => !p.Triggered))
        {
            human.WriteLine($"not triggered: {p.Workflow.File} — {p.NotTriggeredReason}");
        }

        if (!plan.Any(p => p.Triggered))
        {
            human.WriteLine($"no workflow is triggered by '{eventName}'");
            return ExitCodes.Success;
        }

        // Git probes and job bookkeeping briefly block pool threads; without a higher floor the pool adds
        // threads one at a time (about 2 a second) and a wide graph waits for them.
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, Math.Max(16, maxParallel * 2)), io);
        var state = Path.Combine(workspace, ".catalytic");
        var context = GithubContextBuilder.Build(workspace, state, eventName, eventPayload, args.Time);
        var logger = new StderrLogger(Console.Error);
        var options = new RunOptions
        {
            Workspace = workspace,
            StateDirectory = state,
            EventName = eventName,
            Github = context.Github,
            EventPayload = context.Event,
            Inputs = inputs,
            Secrets = secrets,
            Vars = ParsePairs(args.GetAll("var"), "--var"),
            Env = ParsePairs(args.GetAll("env"), "--env"),
            JobFilter = jobFilter,
            CalledWorkflows = calls,
            MaxParallel = maxParallel,
            CancelGracePeriod = grace,
            Actions = [.. Catalytic.Runner.Actions.BuiltIn.BuiltinActions.CreateDefault(), new Actions.DeployAction()],
            Services = new HostJobServices(new Catalytic.Runner.Services.JobServiceOptions { Podman = podman, Time = args.Time, Log = logger }),
            JobContainer = jobContainer,
            Podman = podman,
            ActionDirectories = actionDirectories,
            ActionsUrls = actionsUrls,
            ActionRefsMaxAge = args.Has("refresh-actions") ? TimeSpan.Zero : TimeSpan.FromHours(1),
            ToolchainMirror = toolchainMirror,
            Logger = logger,
            Time = args.Time,
        };
        // Before anything runs: what this machine lacks for the jobs that may run, each where it is needed.
        var missing = Catalytic.Runner.Services.HostPrerequisites.CheckRun(
            plan.Where(p => p.Triggered).SelectMany(p => p.Workflow.Jobs).Where(j => jobFilter.Count == 0 || jobFilter.Contains(j.Id)),
            new Catalytic.Runner.Services.RunHost
            {
                Podman = podman,
                JobContainersInPodman = jobContainer == JobContainerMode.Podman,
                Workspace = workspace,
                MappedAction = uses => actionDirectories?.Resolve(uses),
                ToolCache = Path.Combine(state, "tool-cache"),
            });
        if (missing.Count > 0)
        {
            foreach (var lack in missing)
            {
                Console.Error.WriteLine("error: " + lack);
            }

            Console.Error.WriteLine($"catalytic: nothing ran: this machine lacks {string.Join(" and ", missing.Select(lack => lack.Program).Distinct(StringComparer.Ordinal))} for the workflow (above)");
            return ExitCodes.Failure;
        }

        var runNumber = int.Parse(context.Github["run_number"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        using var listener = new ConsoleRunListener(human, isTerminal: !args.Has("json") && !Console.IsOutputRedirected, args.Time);
        var runner = new WorkflowRunner(options, new WorkflowExpressionEngine(), listener);
        var report = await runner.RunAsync(plan, runNumber, cancellationToken);
        report.ExitCode = report.Result switch
        {
            "success" => ExitCodes.Success,
            "cancelled" when cancellationToken.IsCancellationRequested => ExitCodes.Cancelled,
            _ => ExitCodes.Failure,
        };
        listener.Dispose();
        human.Write(runner.Masker.Apply(Summary(report)));
        if (args.Get("json") is { } jsonFile)
        {
            var json = runner.ToJson(report);
            if (jsonFile == "-")
            {
                Console.Out.WriteLine(json);
            }
            else
            {
                await File.WriteAllTextAsync(jsonFile, json, CancellationToken.None);
            }
        }

        return report.ExitCode;
    }

    /// <summary>The git work tree containing <paramref name="dir"/>, or the folder itself outside git.</summary>
    private static string FindWorkspace(string dir)
    {
        for (var d = new DirectoryInfo(dir); d is not null; d = d.Parent)
        {
            if (Directory.Exists(Path.Combine(d.FullName, ".git")) || File.Exists(Path.Combine(d.FullName, ".git")))
            {
                return d.FullName;
            }
        }

        return dir;
    }

    private static Dictionary<string, string> ParsePairs(IReadOnlyList<string> values, string option)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var v in values)
        {
            var eq = v.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new UsageException($"{option} expects NAME=VALUE, got '{v}'");
            }

            d[v[..eq]] = v[(eq + 1)..];
        }

        return d;
    }

    /// <summary>Reads a dotenv file: NAME=VALUE lines, # comments, optional `export `, quoted values (double quotes unescape \n).</summary>
    internal static Dictionary<string, string> ReadDotenv(string file)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(file);
        }
        catch (IOException e)
        {
            throw new UsageException($"--secret-file {file}: {e.Message}");
        }

        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            if (line.StartsWith("export ", StringComparison.Ordinal))
            {
                line = line[7..].TrimStart();
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new UsageException($"{file}:{i + 1}: expected NAME=VALUE");
            }

            var value = line[(eq + 1)..].Trim();
            if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
            {
                value = value[1..^1].Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\\"", "\"", StringComparison.Ordinal);
            }
            else if (value.Length >= 2 && value[0] == '\'' && value[^1] == '\'')
            {
                value = value[1..^1];
            }
            else if (value.IndexOf(" #", StringComparison.Ordinal) is var hash and >= 0)
            {
                value = value[..hash].TrimEnd();
            }

            d[line[..eq].Trim()] = value;
        }

        return d;
    }

    /// <summary>A byte count for people: 512 B, 2.0 KB, 3.4 MB, 1.2 GB.</summary>
    internal static string FormatSize(long bytes) => bytes switch
    {
        < 1024 => bytes.ToString(CultureInfo.InvariantCulture) + " B",
        < 1024 * 1024 => (bytes / 1024.0).ToString("0.0", CultureInfo.InvariantCulture) + " KB",
        < 1024L * 1024 * 1024 => (bytes / (1024.0 * 1024)).ToString("0.0", CultureInfo.InvariantCulture) + " MB",
        _ => (bytes / (1024.0 * 1024 * 1024)).ToString("0.0", CultureInfo.InvariantCulture) + " GB",
    };

    /// <summary>A job's name in the summary: with its workflow's name when several ran (running jobs' labels already carry it).</summary>
    private static string Prefixed(RunReport report, WorkflowReport workflow, string name)
    {
        var prefix = report.Workflows.Count(x => x.Triggered) > 1 ? Path.GetFileNameWithoutExtension(workflow.File) + "/" : "";
        return name.StartsWith(prefix, StringComparison.Ordinal) ? name : prefix + name;
    }

    private static string Summary(RunReport report)
    {
        var sb = new StringBuilder();
        var rows = report.Workflows.Where(w => w.Triggered)
            .SelectMany(w => w.Jobs.Select(j => (Job: Prefixed(report, w, j.Name), j.Result, Duration: j.DurationMs, Note: j.Reason ?? "")))
            .ToList();
        if (rows.Count > 0)
        {
            var w1 = Math.Max(3, rows.Max(r => r.Job.Length));
            sb.AppendLine();
            sb.Append("JOB".PadRight(w1)).Append("  ").Append("RESULT".PadRight(9)).Append("  ").Append("DURATION".PadLeft(8)).AppendLine("  NOTE");
            foreach (var r in rows)
            {
                sb.Append(r.Job.PadRight(w1)).Append("  ").Append(r.Result.PadRight(9)).Append("  ")
                    .Append(ConsoleRunListener.Format(TimeSpan.FromMilliseconds(r.Duration)).PadLeft(8)).Append("  ").AppendLine(r.Note);
            }
        }

        if (report.Artifacts.Count > 0)
        {
            var w2 = Math.Max(8, report.Artifacts.Max(a => a.Name.Length));
            sb.AppendLine().Append("ARTIFACT".PadRight(w2)).AppendLine("  FILES      SIZE  PATH");
            foreach (var a in report.Artifacts)
            {
                sb.Append(a.Name.PadRight(w2)).Append("  ").Append(a.FileCount.ToString(CultureInfo.InvariantCulture).PadLeft(5))
                    .Append("  ").Append(FormatSize(a.SizeBytes).PadLeft(8)).Append("  ").AppendLine(a.Path);
            }
        }

        foreach (var w in report.Workflows.Where(w => w.Triggered))
        {
            // A workflow that failed before any job (its env or concurrency could not be evaluated) says why here.
            if (w.Jobs.Count == 0 && w.Result == "failure" && w.NotTriggeredReason is { } why)
            {
                sb.AppendLine().Append("✗ ").Append(w.File).Append(": ").AppendLine(why);
            }

            foreach (var j in w.Jobs)
            {
                foreach (var s in j.Steps.Where(s => s.Outcome == "failure"))
                {
                    sb.AppendLine().Append("✗ ").Append(j.Name).Append(" › ").Append(s.Name)
                        .AppendLine(s.ExitCode is { } code ? $" (exit {code})" : "");
                    foreach (var a in s.Annotations)
                    {
                        sb.Append("    ").AppendLine(a);
                    }

                    foreach (var line in s.Tail)
                    {
                        sb.Append("  │ ").AppendLine(line);
                    }

                    if (s.Message is not null)
                    {
                        sb.Append("  ").AppendLine(s.Message);
                    }
                }
            }
        }

        sb.AppendLine().Append("run ").Append(report.RunNumber).Append(' ').Append(report.Result)
            .Append(" in ").Append(ConsoleRunListener.Format(TimeSpan.FromMilliseconds(report.DurationMs)))
            .Append(" — logs: ").AppendLine(report.RunDirectory);
        return sb.ToString();
    }
}
