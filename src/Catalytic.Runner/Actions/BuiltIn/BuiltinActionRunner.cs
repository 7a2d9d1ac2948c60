using System.Text.Json.Nodes;
using Catalytic.Runner.Execution;
using Catalytic.Runner.Logging;
using Catalytic.Runner.Steps;

namespace Catalytic.Runner.Actions.BuiltIn;

/// <summary>
/// A <c>uses:</c> step that names a built-in action (<see cref="IBuiltinAction"/>: checkout, cache, artifacts,
/// setup-*, paths-filter, the host's own such as catalytic/deploy): run in-process with an <see cref="ActionContext"/>
/// onto the job's state, its post part registered when it asks for one.
/// </summary>
internal sealed class BuiltinActionRunner : IStepRunner
{
    public bool Accepts(StepCall call) => call.Uses is { } uses && call.ActionDirectory is null && call.Job.Session.Actions.Find(uses) is not null;

    public async Task<StepOutcome> RunAsync(StepCall call, CancellationToken cancellationToken)
    {
        var job = call.Job;
        var action = job.Session.Actions.Find(call.Uses!)!;
        var outputs = new Dictionary<string, string>(StringComparer.Ordinal);
        var state = new Dictionary<string, string>(StringComparer.Ordinal);
        var tail = new Queue<string>();
        var postRegistered = false;
        var processEnv = job.ProcessEnvironment(call.Env, call.StepId);
        void Log(string line)
        {
            if (tail.Count >= Math.Max(1, job.Options.FailedStepTailLines))
            {
                tail.Dequeue();
            }

            tail.Enqueue(job.Masker.Apply(line));
            job.Emit(call.LogName, line, LineKind.Output);
        }

        ActionContext ContextFor(string jobStatus) => new()
        {
            Inputs = call.Inputs,
            Workspace = job.Workspace,
            RunnerTemp = job.State.RunnerTemp,
            RunDirectory = job.Session.RunDirectory,
            StateDirectory = job.Options.State,
            WorkspaceIsCheckout = job.Options.WorkspaceIsCheckout,
            Environment = processEnv,
            Github = GithubStrings(job.State.Github),
            Log = Log,
            SetOutput = (k, v) => outputs[k] = v,
            ExportVariable = (k, v) => job.State.ExportedEnv[k] = v,
            AddPath = p => job.State.PathPrepends.Add(p),
            AddMask = job.Masker.Add,
            SaveState = (k, v) => state[k] = v,
            State = state,
            RegisterPost = () => postRegistered = true,
            JobStatus = jobStatus,
            Time = job.Time,
            Artifacts = job.Host.Artifacts,
            Caches = job.Host.Caches,
            ToolCache = job.ToolCache,
            ToolchainMirror = job.Options.ToolchainMirror,
        };

        ActionResult result;
        try
        {
            result = await action.RunAsync(ContextFor(Results.Success), cancellationToken);
            if (postRegistered)
            {
                job.State.Posts.Add(new PostStep("Post " + call.Name, async status => await action.PostAsync(ContextFor(status), CancellationToken.None)));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return StepOutcome.Cancelled(outputs, tail.ToList());
        }

        return StepOutcome.FromAction(result, outputs, tail.ToList());
    }

    /// <summary>The <c>github</c> context's plain values as strings, and the push event's <c>before</c>.</summary>
    private static Dictionary<string, string> GithubStrings(JsonObject github)
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in github)
        {
            if (v is JsonValue)
            {
                d[k] = ContextValues.Stringify(v);
            }
        }

        if (github["event"] is JsonObject ev && ev["before"] is JsonValue before)
        {
            d["event.before"] = ContextValues.Stringify(before);
        }

        return d;
    }
}
