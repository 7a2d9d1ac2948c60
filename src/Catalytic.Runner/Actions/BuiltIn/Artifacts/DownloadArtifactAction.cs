using Catalytic.Workflows.Globbing;

namespace Catalytic.Runner.Actions.BuiltIn.Artifacts;

/// <summary>
/// `actions/download-artifact` with v4 semantics (v3 accepted): with `name`, that artifact's files go straight
/// into `path`; without it, every artifact of the run (or those whose name matches `pattern`) goes into
/// `path/&lt;name&gt;/`, or all into `path` with `merge-multiple: true`. Output `download-path`. Artifacts of other
/// runs or repositories (`run-id`, `repository`) are not reachable and fail clearly.
/// </summary>
public sealed class DownloadArtifactAction : IBuiltinAction
{
    public IReadOnlyList<string> Names { get; } = ["actions/download-artifact"];

    public Task<ActionResult> RunAsync(ActionContext context, CancellationToken cancellationToken)
    {
        var repository = context.Get("repository");
        if (repository.Length > 0 && context.GithubValue("repository") is { Length: > 0 } own && !string.Equals(repository, own, StringComparison.OrdinalIgnoreCase))
        {
            return Fail($"download-artifact: repository '{repository}' is not this repository ('{own}'); only artifacts of the current run can be downloaded");
        }

        var runId = context.Get("run-id");
        if (runId.Length > 0 && context.GithubValue("run_id") is { Length: > 0 } ownRun && runId != ownRun)
        {
            return Fail($"download-artifact: run-id {runId} is another run; only artifacts of the current run ({ownRun}) can be downloaded");
        }

        var destination = context.ResolvePath(context.Get("path") is { Length: > 0 } p ? p : ".");
        var name = context.Get("name");
        var all = context.ArtifactStore.List();
        if (name.Length > 0)
        {
            var artifact = all.FirstOrDefault(a => a.Name == name);
            if (artifact is null)
            {
                var known = all.Count == 0 ? "this run has no artifacts" : "this run has: " + string.Join(", ", all.Select(a => a.Name));
                return Fail($"Unable to download artifact(s): Artifact not found for name: {name} ({known})");
            }

            var copied = CopyTree(context.ArtifactStore.FilesOf(name), destination);
            context.Log($"Artifact {name} downloaded to {destination} ({copied} files)");
            context.SetOutput("download-path", destination);
            return Task.FromResult(ActionResult.Success);
        }

        IEnumerable<ArtifactInfo> selected = all;
        var ids = context.Get("artifact-ids");
        if (ids.Length > 0)
        {
            var wanted = ids.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
            selected = selected.Where(a => wanted.Contains(a.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        var pattern = context.Get("pattern");
        if (pattern.Length > 0)
        {
            var glob = GlobPattern.Parse(pattern, GlobSyntax.PathGlob);
            selected = selected.Where(a => glob.Selects(a.Name));
        }

        var merge = context.GetBool("merge-multiple", false);
        var count = 0;
        foreach (var artifact in selected)
        {
            var target = merge ? destination : Path.Combine(destination, artifact.Name);
            var copied = CopyTree(context.ArtifactStore.FilesOf(artifact.Name), target);
            context.Log($"Artifact {artifact.Name} downloaded to {target} ({copied} files)");
            count++;
        }

        if (count == 0)
        {
            context.Log("No artifacts to download" + (pattern.Length > 0 ? $" matching pattern '{pattern}'" : string.Empty));
        }

        Directory.CreateDirectory(destination);
        context.SetOutput("download-path", destination);
        return Task.FromResult(ActionResult.Success);
    }

    private static int CopyTree(string source, string destination)
    {
        var count = 0;
        Directory.CreateDirectory(destination);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(destination, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
            count++;
        }

        return count;
    }

    private static Task<ActionResult> Fail(string message) => Task.FromResult(ActionResult.Fail(message));
}
