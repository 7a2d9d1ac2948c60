using System.Globalization;
using System.Text.Json.Nodes;
using Catalytic.Runner.Execution;

namespace Catalytic.Runner.Hosting;

/// <summary>Turns a planned job into a <see cref="JobSpec"/>: what a worker elsewhere needs, with secrets by name.</summary>
internal static class JobSpecs
{
    /// <summary>
    /// The spec of <paramref name="request"/>, and the secret values its names stand for that the host must be able to
    /// resolve: the run's secrets by their own names, and a called workflow's computed secrets under
    /// <c>report id:NAME</c>.
    /// </summary>
    public static JobSpec From(RunSession session, JobRequest request, out Dictionary<string, string> secretValues)
    {
        var options = session.Options;
        secretValues = new Dictionary<string, string>(StringComparer.Ordinal);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var reportId = request.ReportId ?? request.Job.Id;
        foreach (var (name, node) in request.Secrets ?? session.Secrets)
        {
            var value = ContextValues.Stringify(node);
            var hostName = session.Secrets[name] is { } runValue && ContextValues.Stringify(runValue) == value ? name : $"{reportId}:{name}";
            names[name] = hostName;
            secretValues[hostName] = value;
        }

        var github = (JsonObject)options.Github.DeepClone();
        string G(string key) => ContextValues.Stringify(github[key]);
        int Int(string key) => int.TryParse(G(key), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
        var runDirectory = session.RunDirectory;
        return new JobSpec
        {
            Workflow = new WorkflowSource(request.Workflow.File, File.ReadAllText(Path.Combine(session.Workspace, request.Workflow.File))),
            JobId = request.Job.Id,
            Label = request.Label,
            ReportId = reportId,
            Matrix = (JsonObject?)request.Matrix?.DeepClone(),
            Strategy = (JsonObject)request.Strategy.DeepClone(),
            Needs = (JsonObject)request.Needs.DeepClone(),
            EventName = options.EventName,
            EventPayload = (JsonObject)options.EventPayload.DeepClone(),
            Inputs = (JsonObject)request.Inputs.DeepClone(),
            Vars = new Dictionary<string, string>(options.Vars, StringComparer.Ordinal),
            Env = new Dictionary<string, string>(options.Env, StringComparer.Ordinal),
            Secrets = names,
            Run = new RunIdentity(G("run_id"), Int("run_number"), Math.Max(1, Int("run_attempt")), G("repository"), G("sha"), G("ref"), G("actor"), G("server_url")),
            Github = github,
            Call = request.CallerGithub is { } caller ? new CallFrameSpec((JsonObject)caller.DeepClone(), request.CallChain ?? []) : null,
            LogPath = Path.GetRelativePath(runDirectory, request.LogFile),
            Settings = new JobSettings(
                options.JobContainer,
                options.CancelGracePeriod.TotalSeconds,
                options.FailedStepTailLines,
                options.ActionDirectories?.Entries ?? new Dictionary<string, string>(),
                options.ActionsUrls,
                options.ToolchainMirror),
        };
    }
}
