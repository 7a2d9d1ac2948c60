using System.Collections.Concurrent;
using Catalytic.Workflows.Actions;
using Catalytic.Workflows.Model;

namespace Catalytic.Runner.Actions.Local;

/// <summary>
/// Reads the <c>action.yml</c> of a local or mapped action once per run (a matrix or a composite used many times
/// reads it once); a bad file gives every diagnostic with file:line:column.
/// </summary>
public sealed class LocalActionLoader
{
    private readonly ConcurrentDictionary<string, LoadedAction> _cache = new(StringComparer.Ordinal);

    /// <summary>Loads the action in <paramref name="directory"/>; paths in messages are relative to <paramref name="workspace"/> when under it.</summary>
    public LoadedAction Load(string directory, string workspace) => _cache.GetOrAdd(directory, d => Read(d, workspace));

    private static LoadedAction Read(string directory, string workspace)
    {
        var display = Display(directory, workspace) is var d && Path.IsPathRooted(d) ? d : "./" + d;
        var file = Directory.Exists(directory) ? ActionMetadataParser.FindMetadataFile(directory) : null;
        if (file is null)
        {
            // GitHub's wording, so the usual fix (check out first, or fix the path) is recognisable.
            return LoadedAction.Fail($"Can't find 'action.yml' or 'action.yaml' under '{display}'. Did you forget to run actions/checkout before running your local action?");
        }

        string text;
        try
        {
            text = File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return LoadedAction.Fail($"{Display(file, workspace)}: {e.Message}");
        }

        var result = ActionMetadataParser.Parse(Display(file, workspace), text);
        return result.Action is null
            ? new LoadedAction(null, [.. result.Errors])
            : new LoadedAction(result.Action, []);
    }

    private static string Display(string path, string workspace)
    {
        var relative = Path.GetRelativePath(workspace, path);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : relative;
    }
}

/// <summary>A loaded action, or the diagnostics that stop it from running.</summary>
public sealed record LoadedAction(ActionMetadata? Action, IReadOnlyList<Diagnostic> Errors)
{
    public static LoadedAction Fail(string message) => new(null, [new Diagnostic(new SourceSpan("", 0, 0), message)]);

    /// <summary>The diagnostics as lines (file:line:column: message; a bare message when there is no position).</summary>
    public IEnumerable<string> ErrorLines => Errors.Select(d => d.Location.Line == 0 ? d.Message : $"{d.Location}: {d.Message}");
}
