using System.Runtime.InteropServices;

namespace Catalytic.Runner.Actions.BuiltIn.Setup;

/// <summary>One toolchain in the tool cache: its version and its folder (<c>TOOL/VERSION/ARCH</c>).</summary>
public sealed record CachedTool(ToolVersion Version, string Directory);

/// <summary>
/// The runner's tool cache (<c>RUNNER_TOOL_CACHE</c>, under the state folder) in the layout of GitHub's
/// <c>@actions/tool-cache</c>: <c>TOOL/VERSION/ARCH/</c> holding the toolchain and a <c>TOOL/VERSION/ARCH.complete</c>
/// marker written last, so actions that look there (setup-* and others using the toolkit) find what Catalytic put in.
/// </summary>
public static class ToolCache
{
    /// <summary>The toolkit's name for this machine's architecture (x64, arm64…).</summary>
    public static string Arch => RuntimeInformation.OSArchitecture switch
    {
        Architecture.Arm64 => "arm64",
        Architecture.Arm => "arm",
        Architecture.X86 => "x86",
        _ => "x64",
    };

    /// <summary>The complete toolchains of <paramref name="tool"/> in <paramref name="root"/> for this architecture, newest first.</summary>
    public static IReadOnlyList<CachedTool> Find(string root, string tool)
    {
        var dir = Path.Combine(root, tool);
        if (!Directory.Exists(dir))
        {
            return [];
        }

        var found = new List<CachedTool>();
        foreach (var versionDir in Directory.EnumerateDirectories(dir))
        {
            var toolDir = Path.Combine(versionDir, Arch);
            if (ToolVersion.Parse(Path.GetFileName(versionDir)) is { } version && File.Exists(toolDir + ".complete") && Directory.Exists(toolDir))
            {
                found.Add(new CachedTool(version, toolDir));
            }
        }

        return [.. found.OrderByDescending(t => t.Version)];
    }

    /// <summary>The folder a toolchain of <paramref name="tool"/> <paramref name="version"/> goes to.</summary>
    public static string Folder(string root, string tool, ToolVersion version) =>
        Path.Combine(root, tool, $"{version.Major}.{version.Minor}.{version.Patch}", Arch);

    /// <summary>Marks a toolchain whole (the toolkit's <c>ARCH.complete</c>): written after everything else.</summary>
    public static void MarkComplete(string folder) => File.WriteAllText(folder + ".complete", "");
}
