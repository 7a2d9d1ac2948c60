using Catalytic.Runner.Actions.BuiltIn.Globbing;

namespace Catalytic.Runner.Actions.BuiltIn.Artifacts;

/// <summary>
/// `actions/upload-artifact` with v4 semantics (v3 accepted the same way): multi-line `path` globs with `!`
/// excludes, the root rule (one search path: that folder, or a lone file's folder; several: their least common
/// ancestor), `if-no-files-found`, `retention-days` (recorded), `overwrite`, `include-hidden-files` (false by
/// default since v4.4: any dot file or dot folder is left out). `compression-level` has no effect: files are
/// kept as they are under the run's folder.
/// </summary>
public sealed class UploadArtifactAction : IBuiltinAction
{
    private static readonly char[] InvalidNameCharacters = ['"', ':', '<', '>', '|', '*', '?', '\r', '\n', '\\', '/'];

    public IReadOnlyList<string> Names { get; } = ["actions/upload-artifact"];

    public Task<ActionResult> RunAsync(ActionContext context, CancellationToken cancellationToken)
    {
        var name = context.Get("name") is { Length: > 0 } n ? n : "artifact";
        if (name.IndexOfAny(InvalidNameCharacters) >= 0 || name is "." or "..")
        {
            return Fail($"The artifact name '{name}' is not valid: it may not contain any of \" : < > | * ? \\r \\n \\ /");
        }

        var lines = context.GetLines("path");
        if (lines.Count == 0)
        {
            return Fail("Input required and not supplied: path");
        }

        var ifNoFiles = context.Get("if-no-files-found") is { Length: > 0 } v ? v.ToLowerInvariant() : "warn";
        if (ifNoFiles is not ("warn" or "error" or "ignore"))
        {
            return Fail($"Unrecognized if-no-files-found input. Provided: {ifNoFiles}. Available options: warn, error, ignore");
        }

        int? retention = null;
        if (context.Get("retention-days") is { Length: > 0 } days)
        {
            if (!int.TryParse(days, out var parsed) || parsed < 0)
            {
                return Fail($"Invalid retention-days: '{days}' (a number of days is expected)");
            }

            retention = parsed == 0 ? null : Math.Min(parsed, 90);
        }

        var patterns = PathPatternSet.Parse(lines, context.Workspace, context.Home());
        var includeHidden = context.GetBool("include-hidden-files", false);
        var files = patterns.FindFiles(followSymlinks: true, skipHidden: !includeHidden);
        if (files.Count == 0)
        {
            var message = $"No files were found with the provided path: {string.Join(Environment.NewLine, lines)}. No artifacts will be uploaded.";
            switch (ifNoFiles)
            {
                case "error":
                    return Fail(message);
                case "warn":
                    context.Log("Warning: " + message);
                    break;
                default:
                    context.Log(message);
                    break;
            }

            return Task.FromResult(ActionResult.Success);
        }

        var root = RootOf(patterns.SearchRoots, files);
        var entries = files.Select(f => (f.FullPath, Path.GetRelativePath(root, f.FullPath))).ToArray();
        var info = context.ArtifactStore.Store(name, entries, retention, context.GetBool("overwrite", false), context.Time, out var error);
        if (info is null)
        {
            return Fail(error!);
        }

        context.Log($"Artifact {name} has been successfully uploaded: {info.FileCount} files, {info.SizeBytes} bytes, root {root}" +
            (retention is null ? string.Empty : $", retention {retention} days"));
        context.SetOutput("artifact-id", info.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        context.SetOutput("artifact-url", context.ArtifactStore.FilesOf(name));
        return Task.FromResult(ActionResult.Success);
    }

    /// <summary>upload-artifact's root rule, applied to @actions/glob's search paths.</summary>
    internal static string RootOf(IReadOnlyList<string> searchRoots, IReadOnlyList<FoundFile> files)
    {
        if (searchRoots.Count > 1)
        {
            return LeastCommonAncestor(searchRoots);
        }

        var only = searchRoots[0];
        if (files.Count == 1 && files[0].FullPath == only)
        {
            return Path.GetDirectoryName(only)!;
        }

        return File.Exists(only) ? Path.GetDirectoryName(only)! : only;
    }

    internal static string LeastCommonAncestor(IReadOnlyList<string> paths)
    {
        var split = paths.Select(p => p.Split('/', StringSplitOptions.RemoveEmptyEntries)).ToArray();
        var common = new List<string>();
        for (var i = 0; split.All(s => s.Length > i && s[i] == split[0][i]); i++)
        {
            common.Add(split[0][i]);
        }

        return "/" + string.Join('/', common);
    }

    private static Task<ActionResult> Fail(string message) => Task.FromResult(ActionResult.Fail(message));
}
