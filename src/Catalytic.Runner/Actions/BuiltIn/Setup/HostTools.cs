using System.Text.RegularExpressions;
using Catalytic.Runner.Actions.BuiltIn.Processes;

namespace Catalytic.Runner.Actions.BuiltIn.Setup;

/// <summary>A toolchain found on the host: its version, the executable, and its home folder where that means something (DOTNET_ROOT, JAVA_HOME).</summary>
public sealed record HostTool(ToolVersion Version, string Executable, string? Home = null);

/// <summary>Finds the host's toolchains by asking them (`dotnet --list-sdks`, `node --version`, …); installs nothing.</summary>
internal static partial class HostTools
{
    /// <summary>The full path of <paramref name="name"/> on the step's PATH, or null.</summary>
    public static string? Which(ActionContext context, string name)
    {
        var path = context.Env("PATH") ?? string.Empty;
        foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public static async Task<IReadOnlyList<HostTool>> DotnetAsync(ActionContext context, CancellationToken ct)
    {
        if (Which(context, "dotnet") is not { } exe)
        {
            return [];
        }

        var real = Resolve(exe);
        var outcome = await ProcessRunner.RunAsync(exe, ["--list-sdks"], context.Workspace, null, ct);
        return outcome.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => ToolVersion.Parse(line.Split(' ')[0]))
            .OfType<ToolVersion>()
            .Select(v => new HostTool(v, exe, Path.GetDirectoryName(real)))
            .ToArray();
    }

    public static Task<IReadOnlyList<HostTool>> NodeAsync(ActionContext context, CancellationToken ct) =>
        ProbeAsync(context, ["node"], ["--version"], NodeVersion(), ct);

    public static Task<IReadOnlyList<HostTool>> PythonAsync(ActionContext context, CancellationToken ct) =>
        ProbeAsync(context, ["python3", "python"], ["--version"], PythonVersion(), ct);

    /// <summary>The versioned interpreters (`python3.12`…): asked only when `python3` does not satisfy, since each may be a slow pyenv shim.</summary>
    public static Task<IReadOnlyList<HostTool>> VersionedPythonsAsync(ActionContext context, CancellationToken ct)
    {
        var names = new List<string>();
        var path = context.Env("PATH") ?? string.Empty;
        foreach (var dir in path.Split(':', StringSplitOptions.RemoveEmptyEntries).Where(Directory.Exists))
        {
            names.AddRange(Directory.EnumerateFiles(dir, "python3.*").Select(Path.GetFileName).Where(n => PythonMinorName().IsMatch(n!))!);
        }

        return ProbeAsync(context, names.Distinct().ToArray(), ["--version"], PythonVersion(), ct);
    }

    public static async Task<IReadOnlyList<HostTool>> JavaAsync(ActionContext context, CancellationToken ct)
    {
        var found = await ProbeAsync(context, ["java"], ["-version"], JavaVersion(), ct);
        return found.Select(t =>
        {
            // JAVA_HOME is the folder above bin/ of the real (symlink-resolved) executable.
            var real = Resolve(t.Executable);
            var version = t.Version.Major == 1 ? t.Version with { Major = t.Version.Minor, Minor = 0 } : t.Version;
            return t with { Version = version, Home = Path.GetDirectoryName(Path.GetDirectoryName(real)) };
        }).ToArray();
    }

    public static Task<IReadOnlyList<HostTool>> GoAsync(ActionContext context, CancellationToken ct) =>
        ProbeAsync(context, ["go"], ["version"], GoVersion(), ct);

    private static async Task<IReadOnlyList<HostTool>> ProbeAsync(ActionContext context, string[] names, string[] arguments, Regex pattern, CancellationToken ct)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var executables = names.Select(name => Which(context, name)).OfType<string>().Where(exe => seen.Add(Resolve(exe))).ToArray();
        var probes = executables.Select(async exe =>
        {
            var outcome = await ProcessRunner.RunAsync(exe, arguments, context.Workspace, null, ct);
            var match = pattern.Match(outcome.StdOut + "\n" + outcome.StdErr);
            return outcome.Succeeded && match.Success && ToolVersion.Parse(match.Groups["v"].Value) is { } version ? new HostTool(version, exe) : null;
        });
        return (await Task.WhenAll(probes)).OfType<HostTool>().ToArray();
    }

    private static string Resolve(string path)
    {
        try
        {
            return new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
        }
        catch (IOException)
        {
            return path;
        }
    }

    [GeneratedRegex(@"v(?<v>\d+\.\d+\.\d+)")]
    private static partial Regex NodeVersion();

    [GeneratedRegex(@"Python (?<v>\d+\.\d+(\.\d+)?)")]
    private static partial Regex PythonVersion();

    [GeneratedRegex(@"^python3\.\d+$")]
    private static partial Regex PythonMinorName();

    [GeneratedRegex(@"version ""(?<v>[\d._]+)")]
    private static partial Regex JavaVersion();

    [GeneratedRegex(@"go(?<v>\d+\.\d+(\.\d+)?)")]
    private static partial Regex GoVersion();
}
