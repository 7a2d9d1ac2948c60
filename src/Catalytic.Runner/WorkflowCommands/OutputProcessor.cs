using System.Globalization;
using Catalytic.Platform.Secrets;
using Catalytic.Runner.Execution;
using Catalytic.Runner.Logging;

namespace Catalytic.Runner.WorkflowCommands;

/// <summary>Interprets a step's output line by line: workflow commands, groups, masking, the failure tail.</summary>
internal sealed class OutputProcessor(JobRun job, string stepName, Dictionary<string, string>? state = null, IReadOnlyDictionary<string, string>? environment = null)
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

        _tail.Enqueue(job.Masker.Apply(line));
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
                if (!SecretMasker.IsMaskable(c.Message))
                {
                    // The one masking rule leaves values this short alone (GitHub warns on an empty one); say so, not what it was.
                    job.Emit(stepName, $"warning: ::add-mask:: ignores a value shorter than {SecretMasker.MinimumLength} characters", LineKind.Runner);
                }

                job.Masker.Add(c.Message);
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
        var text = job.Masker.Apply(annotation.ToString());
        var report = job.State.Report;
        lock (report)
        {
            report.Steps[^1].Annotations.Add(text);
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
            job.State.ExportedEnv[variable.Key] = variable.Value;
        }

        if (result.AddPath is { } folder)
        {
            job.State.PathPrepends.Remove(folder);
            job.State.PathPrepends.Add(folder);
        }
    }

    private static int? Int(string? s) => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;
}
