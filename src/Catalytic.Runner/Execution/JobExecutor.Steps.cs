using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Catalytic.Runner.Actions;
using Catalytic.Runner.FileCommands;
using Catalytic.Runner.Logging;
using Catalytic.Runner.Processes;
using Catalytic.Runner.Reporting;
using Catalytic.Runner.Shells;
using Catalytic.Runner.WorkflowCommands;
using Catalytic.Workflows.Model;

namespace Catalytic.Runner.Execution;

internal sealed partial class JobExecutor
{
    private async Task RunStepAsync(Step step, int index, CancellationToken cancellationToken)
    {
        var stepId = step.Id ?? $"__{index}";
        var report = new StepReport { Id = stepId };
        _report.Steps.Add(report);
        var clock = Stopwatch.StartNew();
        string name = DefaultStepName(step);
        StepOutcome outcome;
        try
        {
            // Step env sees the job's env and what earlier steps exported; `steps` sees earlier steps.
            var lowerEnv = MergedEnv();
            var scope = BaseScope(lowerEnv, includeSteps: true);
            if (step.Name is not null)
            {
                name = _session.Expressions.EvaluateString(step.Name, scope);
            }

            report.Name = name;
            if (!_session.Expressions.EvaluateCondition(step.If, scope))
            {
                report.Outcome = report.Conclusion = Results.Skipped;
                report.Message = step.If is null ? "skipped: an earlier step failed or the run was cancelled" : $"skipped: if: {step.If.Value}";
                Emit(name, report.Message, LineKind.Runner);
                RecordStep(step, report, new Dictionary<string, string>());
                return;
            }

            _session.Listener.StepStarted(_request.Label, name);
            var env = EvaluateEnv(step.Env, step.EnvExpression, lowerEnv, scope, "env");
            var stepScope = BaseScope(env, includeSteps: true);
            var timeout = EvaluateTimeout(step.TimeoutMinutes, stepScope);
            if (step.Uses is not null)
            {
                outcome = await RunActionAsync(step, stepId, name, env, stepScope, timeout, cancellationToken);
            }
            else if (step.Run is not null)
            {
                outcome = await RunScriptAsync(step, stepId, name, env, stepScope, timeout, cancellationToken);
            }
            else
            {
                outcome = StepOutcome.Fail("the step has neither run nor uses");
            }

            if (outcome.Result == Results.Failure && EvaluateFlag(step.ContinueOnError, stepScope))
            {
                report.Conclusion = Results.Success;
            }
            else
            {
                report.Conclusion = outcome.Result;
            }
        }
        catch (ExpressionEvaluationException e)
        {
            outcome = StepOutcome.Fail(e.Message);
            report.Conclusion = Results.Failure;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            // A program that cannot start, a folder that cannot be written: the step fails, the run goes on.
            outcome = StepOutcome.Fail(e.Message);
            report.Conclusion = Results.Failure;
        }

        report.Name = name;
        report.Outcome = outcome.Result;
        report.ExitCode = outcome.ExitCode;
        report.Message = outcome.Message is null ? null : _session.Masker.Apply(outcome.Message);
        report.DurationMs = clock.Elapsed.TotalMilliseconds;
        report.Tail = outcome.Result == Results.Failure ? outcome.Tail.Select(_session.Masker.Apply).ToList() : [];
        if (outcome.Message is not null && outcome.Result != Results.Success)
        {
            Emit(name, "##[error]" + outcome.Message, LineKind.Runner);
        }

        Emit(name, $"{(report.Conclusion == report.Outcome ? report.Outcome : $"{report.Outcome} (continue-on-error)")} in {ConsoleRunListener.Format(clock.Elapsed)}", LineKind.Runner);
        if (report.Conclusion == Results.Failure)
        {
            _failed = true;
        }

        if (outcome.Result == Results.Cancelled)
        {
            _cancelled = true;
        }

        RecordStep(step, report, outcome.Outputs);
    }

    private void RecordStep(Step step, StepReport report, IReadOnlyDictionary<string, string> outputs)
    {
        foreach (var (k, v) in outputs)
        {
            report.Outputs[k] = _session.Masker.Apply(v);
        }

        if (step.Id is null)
        {
            return;
        }

        var o = new JsonObject();
        foreach (var (k, v) in outputs)
        {
            o[k] = v;
        }

        _steps[step.Id] = new JsonObject { ["outputs"] = o, ["outcome"] = report.Outcome, ["conclusion"] = report.Conclusion };
    }

    private static string DefaultStepName(Step step)
    {
        if (step.Uses is not null)
        {
            return "Run " + step.Uses;
        }

        var first = step.Run?.Value.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "";
        return "Run " + (first.Length > 60 ? first[..60] + "…" : first);
    }

    /// <summary>Workflow env → job env → GITHUB_ENV exports (a step's own env goes on top of this).</summary>
    private Dictionary<string, string> MergedEnv()
    {
        var env = new Dictionary<string, string>(_jobEnv, StringComparer.Ordinal);
        foreach (var (k, v) in _exportedEnv)
        {
            env[k] = v;
        }

        return env;
    }

    private async Task<StepOutcome> RunScriptAsync(Step step, string stepId, string name, Dictionary<string, string> env, ExpressionScope scope, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var script = _session.Expressions.EvaluateString(step.Run!, scope);
        var shellName = step.Shell is not null ? _session.Expressions.EvaluateString(step.Shell, scope)
            : JobDefaults?.Shell ?? _request.Workflow.Defaults?.Shell;
        if (_container is { } container)
        {
            return await RunScriptInContainerAsync(container, script, shellName, ResolveWorkingDirectory(step, scope), ProcessEnvironment(env, stepId, container), name, timeout, cancellationToken);
        }

        var processEnv = ProcessEnvironment(env, stepId);
        var shell = ShellResolver.Resolve(shellName, processEnv.GetValueOrDefault("PATH"));
        if (shell.Command is null)
        {
            return StepOutcome.Fail(shell.Error!);
        }

        var workingDirectory = ResolveWorkingDirectory(step, scope);
        if (!Directory.Exists(workingDirectory))
        {
            return StepOutcome.Fail($"working-directory '{workingDirectory}' does not exist");
        }

        EmitScript(name, script, shell.Command.DisplayName);
        if (PlainCommand.TryDirect(shell.Command, script, workingDirectory, processEnv) is { } direct)
        {
            return await RunProcessStepAsync(direct, name, processEnv, timeout, cancellationToken);
        }

        var scriptPath = Path.Combine(_runnerTemp, Guid.NewGuid().ToString("N") + shell.Command.Extension);
        File.WriteAllText(scriptPath, shell.Command.WrapScript(script)); // small: a thread-pool round trip costs more
        var spec = new ProcessSpec(shell.Command.Program, shell.Command.ArgumentsFor(scriptPath), workingDirectory, processEnv);
        return await RunProcessStepAsync(spec, name, processEnv, timeout, cancellationToken);
    }

    /// <summary>GitHub prints the script (masked) in a group before running it.</summary>
    private void EmitScript(string name, string script, string shellDisplayName)
    {
        var lines = script.TrimEnd('\n').Split('\n');
        Emit(name, "Run " + lines[0], LineKind.GroupStart);
        foreach (var line in lines)
        {
            Emit(name, line, LineKind.InGroup);
        }

        Emit(name, "shell: " + shellDisplayName, LineKind.InGroup);
        Emit(name, "", LineKind.GroupEnd);
    }

    private string ResolveWorkingDirectory(Step step, ExpressionScope scope)
    {
        var wd = step.WorkingDirectory is not null ? _session.Expressions.EvaluateString(step.WorkingDirectory, scope)
            : JobDefaults?.WorkingDirectory ?? _request.Workflow.Defaults?.WorkingDirectory;
        return string.IsNullOrEmpty(wd) ? Options.Workspace : Path.GetFullPath(Path.Combine(Options.Workspace, wd));
    }

    /// <summary>Runs a process with fresh file-command files and applies what it wrote to them afterwards.</summary>
    /// <remarks><paramref name="files"/>: the step's files when the caller needed their names first (a container step);
    /// <paramref name="afterExit"/>: runs as soon as the process has ended (a container step kills what a cancelled step left inside).</remarks>
    private async Task<StepOutcome> RunProcessStepAsync(
        ProcessSpec spec,
        string name,
        Dictionary<string, string> processEnv,
        TimeSpan? timeout,
        CancellationToken cancellationToken,
        Dictionary<string, string>? state = null,
        FileCommandSet? files = null,
        Func<ProcessExit, Task>? afterExit = null)
    {
        files ??= FileCommandSet.Create(_runnerTemp);
        files.Apply(processEnv);
        spec = spec with { Environment = processEnv };
        var output = new OutputProcessor(this, name, state, processEnv);
        var exit = await HostProcess.RunAsync(
            spec,
            output.OnLine,
            timeout,
            Options.CancelGracePeriod,
            pid =>
            {
                _processGroups.Add(pid);
                RunSession.Track(pid);
            },
            cancellationToken);
        if (afterExit is not null)
        {
            await afterExit(exit);
        }

        var outputs = new Dictionary<string, string>(output.Outputs, StringComparer.Ordinal);
        var error = ApplyFileCommands(files, outputs, state);
        var tail = output.Tail.ToList();
        if (exit.TimedOut)
        {
            return new StepOutcome(Results.Failure, exit.ExitCode, $"the step exceeded its timeout of {timeout!.Value.TotalMinutes:0.##} minutes and was ended", outputs, tail);
        }

        if (exit.Cancelled)
        {
            return new StepOutcome(Results.Cancelled, exit.ExitCode, "the step was cancelled", outputs, tail);
        }

        if ((error ?? output.CommandFailure) is { } failure)
        {
            return new StepOutcome(Results.Failure, exit.ExitCode, failure, outputs, tail);
        }

        return exit.ExitCode == 0
            ? new StepOutcome(Results.Success, 0, null, outputs, tail)
            : new StepOutcome(Results.Failure, exit.ExitCode, $"Process completed with exit code {exit.ExitCode}.", outputs, tail);
    }

    /// <summary>Reads GITHUB_ENV/OUTPUT/PATH/STATE/STEP_SUMMARY after a step; returns an error for a malformed file.</summary>
    private string? ApplyFileCommands(FileCommandSet files, Dictionary<string, string> outputs, Dictionary<string, string>? state = null)
    {
        string? error = null;
        var (envPairs, envError) = FileCommandParser.ParseKeyValues(ReadFileCommand(files.Env), "GITHUB_ENV");
        foreach (var (k, v) in envPairs)
        {
            _exportedEnv[k] = v;
        }

        var (outPairs, outError) = FileCommandParser.ParseKeyValues(ReadFileCommand(files.Output), "GITHUB_OUTPUT");
        foreach (var (k, v) in outPairs)
        {
            outputs[k] = v;
        }

        // State matters only for actions with a post part (STATE_* of their later phases); run steps' state is dropped.
        var (statePairs, stateError) = FileCommandParser.ParseKeyValues(ReadFileCommand(files.State), "GITHUB_STATE");
        foreach (var (k, v) in statePairs)
        {
            if (state is not null)
            {
                state[k] = v;
            }
        }

        foreach (var p in FileCommandParser.ParsePaths(ReadFileCommand(files.Path)))
        {
            _pathPrepends.Add(p);
        }

        var summary = ReadFileCommand(files.Summary);
        if (summary.Length > 0)
        {
            _summary.Append(summary);
            if (!summary.EndsWith('\n'))
            {
                _summary.Append('\n');
            }
        }

        error = envError ?? outError ?? stateError;
        return error;
    }

    /// <summary>What a step wrote to a file-command file; the (unique) file is left for the job's temp folder cleanup.</summary>
    private static string ReadFileCommand(string path)
    {
        // Most steps write none of them: one stat instead of an open, a read and an unlink per file.
        var file = new FileInfo(path);
        return file.Exists && file.Length > 0 ? File.ReadAllText(path) : "";
    }

    /// <summary>
    /// The environment a step process gets: host, GitHub's variables, contexts' env, PATH prepends. In a job
    /// <paramref name="container"/> the runner's own environment is left out (as on GitHub) and PATH starts from the image's.
    /// </summary>
    private Dictionary<string, string> ProcessEnvironment(Dictionary<string, string> env, string stepId, Services.JobContainer? container = null)
    {
        var e = container is null
            ? new Dictionary<string, string>(_session.HostEnvironment, StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal) { ["PATH"] = container.Path };
        var g = _github;
        string G(string key) => JobExecutor.Stringify(g[key]);
        e["CI"] = "true";
        e["GITHUB_ACTIONS"] = "true";
        e["GITHUB_ACTION"] = stepId;
        e["GITHUB_ACTOR"] = G("actor");
        e["GITHUB_ACTOR_ID"] = G("actor_id");
        e["GITHUB_API_URL"] = G("api_url");
        e["GITHUB_BASE_REF"] = G("base_ref");
        e["GITHUB_EVENT_NAME"] = G("event_name");
        e["GITHUB_EVENT_PATH"] = _request.EventPath;
        e["GITHUB_GRAPHQL_URL"] = G("graphql_url");
        e["GITHUB_HEAD_REF"] = G("head_ref");
        e["GITHUB_JOB"] = Job.Id;
        e["GITHUB_REF"] = G("ref");
        e["GITHUB_REF_NAME"] = G("ref_name");
        e["GITHUB_REF_PROTECTED"] = "false";
        e["GITHUB_REF_TYPE"] = G("ref_type");
        e["GITHUB_REPOSITORY"] = G("repository");
        e["GITHUB_REPOSITORY_ID"] = G("repository_id");
        e["GITHUB_REPOSITORY_OWNER"] = G("repository_owner");
        e["GITHUB_REPOSITORY_OWNER_ID"] = G("repository_owner_id");
        e["GITHUB_RETENTION_DAYS"] = G("retention_days");
        e["GITHUB_RUN_ATTEMPT"] = G("run_attempt");
        e["GITHUB_RUN_ID"] = G("run_id");
        e["GITHUB_RUN_NUMBER"] = G("run_number");
        e["GITHUB_SERVER_URL"] = G("server_url");
        e["GITHUB_SHA"] = G("sha");
        e["GITHUB_TRIGGERING_ACTOR"] = G("triggering_actor");
        e["GITHUB_WORKFLOW"] = G("workflow");
        e["GITHUB_WORKFLOW_REF"] = G("workflow_ref");
        e["GITHUB_WORKFLOW_SHA"] = G("workflow_sha");
        e["GITHUB_WORKSPACE"] = Options.Workspace;
        e["RUNNER_ARCH"] = Stringify(RunnerContext()["arch"]);
        e["RUNNER_ENVIRONMENT"] = "self-hosted";
        e["RUNNER_NAME"] = "catalytic";
        e["RUNNER_OS"] = Stringify(RunnerContext()["os"]);
        e["RUNNER_TEMP"] = _runnerTemp;
        e["RUNNER_TOOL_CACHE"] = ToolCache;
        e["RUNNER_WORKSPACE"] = Path.GetDirectoryName(Options.Workspace) ?? Options.Workspace;
        foreach (var (k, v) in _serviceEnv)
        {
            e[k] = v;
        }

        foreach (var (k, v) in env)
        {
            e[k] = v;
        }

        if (_pathPrepends.Count > 0)
        {
            // The latest addition comes first, as with GitHub's add-path.
            var prefix = string.Join(Path.PathSeparator, Enumerable.Reverse(_pathPrepends));
            e["PATH"] = e.TryGetValue("PATH", out var path) && path.Length > 0 ? prefix + Path.PathSeparator + path : prefix;
        }

        return e;
    }

    /// <summary>Interprets a step's output line by line: workflow commands, groups, masking, the failure tail.</summary>
    private sealed class OutputProcessor(JobExecutor job, string stepName, Dictionary<string, string>? state = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        private readonly Queue<string> _tail = new();
        private string? _stopToken;
        private bool _inGroup;

        public Dictionary<string, string> Outputs { get; } = new(StringComparer.Ordinal);

        public IEnumerable<string> Tail => _tail;

        /// <summary>Why a workflow command failed the step (a disabled `::set-env::`…), as GitHub's command manager does.</summary>
        public string? CommandFailure { get; private set; }

        public void OnLine(string line)
        {
            if (_stopToken is null)
            {
                if (WorkflowCommand.TryParse(line) is { } command && Handle(command, line))
                {
                    return;
                }
            }
            else if (line.Trim() == $"::{_stopToken}::")
            {
                _stopToken = null;
                return;
            }

            Remember(line);
            job.Emit(stepName, line, _inGroup ? LineKind.InGroup : LineKind.Output);
        }

        private void Remember(string line)
        {
            if (_tail.Count >= Math.Max(1, job.Options.FailedStepTailLines))
            {
                _tail.Dequeue();
            }

            _tail.Enqueue(job._session.Masker.Apply(line));
        }

        /// <summary>Applies a command; false when the line should be shown as ordinary output.</summary>
        private bool Handle(WorkflowCommand c, string line)
        {
            if (UnsecureCommands.Governs(c.Name))
            {
                ApplyUnsecure(UnsecureCommands.Apply(c, line, environment is not null && UnsecureCommands.Allowed(environment)));
                return true;
            }

            switch (c.Name)
            {
                case "add-mask":
                    if (!Platform.Secrets.SecretMasker.IsMaskable(c.Message))
                    {
                        // The one masking rule leaves values this short alone (GitHub warns on an empty one); say so, not what it was.
                        job.Emit(stepName, $"warning: ::add-mask:: ignores a value shorter than {Platform.Secrets.SecretMasker.MinimumLength} characters", LineKind.Runner);
                    }

                    job._session.Masker.Add(c.Message);
                    return true;
                case "group":
                    _inGroup = true;
                    job.Emit(stepName, c.Message, LineKind.GroupStart);
                    return true;
                case "endgroup":
                    _inGroup = false;
                    job.Emit(stepName, "", LineKind.GroupEnd);
                    return true;
                case "error":
                case "warning":
                case "notice":
                    Annotate(new Annotation(
                        c.Name,
                        c.Message,
                        c.Properties.GetValueOrDefault("file"),
                        Int(c.Properties.GetValueOrDefault("line")),
                        Int(c.Properties.GetValueOrDefault("col")),
                        c.Properties.GetValueOrDefault("title")));
                    return true;

                case "debug":
                    return true;
                case "stop-commands":
                    _stopToken = c.Message;
                    return true;
                case "echo":
                    return true;
                case "set-output":
                    // Deprecated by GitHub but still honoured there (with a warning); so here.
                    if (c.Properties.TryGetValue("name", out var outName))
                    {
                        Outputs[outName] = c.Message;
                    }

                    job.Emit(stepName, "warning: The `set-output` command is deprecated. Use GITHUB_OUTPUT instead.", LineKind.Runner);
                    return true;
                case "save-state":
                    if (state is not null && c.Properties.TryGetValue("name", out var stateName))
                    {
                        state[stateName] = c.Message;
                    }

                    return true;
                default:
                    return false;
            }
        }

        private void Annotate(Annotation annotation)
        {
            var text = job._session.Masker.Apply(annotation.ToString());
            lock (job._report)
            {
                job._report.Steps[^1].Annotations.Add(text);
            }

            Remember(text);
            job.Emit(stepName, text, LineKind.Runner);
        }

        /// <summary>`::set-env::` and `::add-path::` (<see cref="UnsecureCommands"/>): applied for the job's later steps, or failing this one.</summary>
        private void ApplyUnsecure(UnsecureCommandResult result)
        {
            if (result.Warning is { } warning)
            {
                Annotate(new Annotation("warning", warning, null, null, null, null));
            }

            foreach (var error in result.Errors)
            {
                Annotate(new Annotation("error", error, null, null, null, null));
            }

            CommandFailure ??= result.Failure;
            if (result.SetEnv is { } variable)
            {
                job._exportedEnv[variable.Key] = variable.Value;
            }

            if (result.AddPath is { } folder)
            {
                job._pathPrepends.Remove(folder);
                job._pathPrepends.Add(folder);
            }
        }

        private static int? Int(string? s) => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;
    }

    /// <summary>How a step ended before continue-on-error.</summary>
    private sealed record StepOutcome(string Result, int? ExitCode, string? Message, IReadOnlyDictionary<string, string> Outputs, IReadOnlyList<string> Tail)
    {
        public static StepOutcome Fail(string message) => new(Results.Failure, null, message, new Dictionary<string, string>(), []);

        public static StepOutcome FromAction(ActionResult r, IReadOnlyDictionary<string, string> outputs, IReadOnlyList<string> tail) =>
            new(r.Succeeded ? Results.Success : Results.Failure, null, r.Succeeded ? null : r.Message ?? "the action failed", outputs, tail);
    }

    /// <summary>The per-step files behind GITHUB_ENV, GITHUB_OUTPUT, GITHUB_PATH, GITHUB_STATE, GITHUB_STEP_SUMMARY.</summary>
    private sealed record FileCommandSet(string Env, string Output, string Path, string State, string Summary)
    {
        public static FileCommandSet Create(string runnerTemp)
        {
            var dir = System.IO.Path.Combine(runnerTemp, "_runner_file_commands");
            Directory.CreateDirectory(dir);
            var id = Guid.NewGuid().ToString("N");
            var set = new FileCommandSet(
                System.IO.Path.Combine(dir, "set_env_" + id),
                System.IO.Path.Combine(dir, "set_output_" + id),
                System.IO.Path.Combine(dir, "add_path_" + id),
                System.IO.Path.Combine(dir, "save_state_" + id),
                System.IO.Path.Combine(dir, "step_summary_" + id));
            foreach (var f in new[] { set.Env, set.Output, set.Path, set.State, set.Summary })
            {
                // Fresh names: an exclusive create is an open and a close, without the truncation FileMode.Create asks for.
                File.OpenHandle(f, FileMode.CreateNew, FileAccess.Write).Dispose();
            }

            return set;
        }

        public void Apply(Dictionary<string, string> env)
        {
            env["GITHUB_ENV"] = Env;
            env["GITHUB_OUTPUT"] = Output;
            env["GITHUB_PATH"] = Path;
            env["GITHUB_STATE"] = State;
            env["GITHUB_STEP_SUMMARY"] = Summary;
        }
    }
}
