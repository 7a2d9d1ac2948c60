using System.Collections.Concurrent;
using System.Globalization;
using Catalytic.Runner.Actions.BuiltIn.Processes;
using Catalytic.Runner.Actions.BuiltIn.Setup;
using Catalytic.Runner.Processes;

namespace Catalytic.Runner.Actions.JavaScript;

/// <summary>The node a JavaScript action runs with: the executable, a line saying so, and a warning when its major is not the declared one.</summary>
internal sealed record NodeChoice(string? Executable, string Description, string? Warning);

/// <summary>
/// Picks the node for <c>runs.using: node12|16|20|24</c>, as GitHub's runner runs each action with the node it
/// declares: the step's <c>node</c> on PATH when its major matches, else the newest of that major in the tool cache
/// (<c>RUNNER_TOOL_CACHE/node</c>, where <c>actions/setup-node</c> puts what it downloads), else whatever node there is,
/// with a warning naming both versions. Each executable is asked its version once per run.
/// </summary>
internal sealed class NodeRuntimes
{
    private readonly ConcurrentDictionary<string, Task<ToolVersion?>> _versions = new(StringComparer.Ordinal);

    public async Task<NodeChoice> ChooseAsync(string usingValue, string? path, string toolCache, CancellationToken cancellationToken)
    {
        var wanted = int.TryParse(usingValue.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out var major) ? major : 0;
        var onPath = Programs.FindOnPath("node", path);
        var pathVersion = onPath is null ? null : await VersionAsync(onPath, cancellationToken);
        string Line(string exe, ToolVersion? v) => $"node {Show(v)} ({exe}) runs it (runs.using: {usingValue})";
        if (onPath is not null && pathVersion?.Major == wanted)
        {
            return new NodeChoice(onPath, Line(onPath, pathVersion), null);
        }

        var cached = ToolCache.Find(toolCache, "node");
        if (cached.FirstOrDefault(t => t.Version.Major == wanted) is { } match)
        {
            var exe = Path.Combine(match.Directory, "bin", "node");
            if (File.Exists(exe))
            {
                return new NodeChoice(exe, Line(exe, match.Version), null);
            }
        }

        var fallback = onPath ?? cached.Select(t => Path.Combine(t.Directory, "bin", "node")).FirstOrDefault(File.Exists);
        if (fallback is null)
        {
            return new NodeChoice(null, "", null);
        }

        var version = onPath is not null ? pathVersion : cached.First(t => Path.Combine(t.Directory, "bin", "node") == fallback).Version;
        return new NodeChoice(
            fallback,
            Line(fallback, version),
            $"the action declares runs.using: {usingValue}, and no node {wanted} is on PATH or in the tool cache; it runs with node {Show(version)} ({fallback}) instead (actions/setup-node with node-version: {wanted} puts one in the tool cache)");
    }

    private static string Show(ToolVersion? v) => v is null ? "(version unknown)" : $"v{v.Major}.{v.Minor}.{v.Patch}";

    private Task<ToolVersion?> VersionAsync(string executable, CancellationToken cancellationToken) =>
        _versions.GetOrAdd(executable, async exe =>
        {
            var outcome = await ProcessRunner.RunAsync(exe, ["--version"], null, null, CancellationToken.None);
            return outcome.Succeeded ? ToolVersion.Parse(outcome.StdOut.Trim()) : null;
        });
}
