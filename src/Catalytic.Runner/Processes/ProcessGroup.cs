using System.Runtime.InteropServices;

namespace Catalytic.Runner.Processes;

/// <summary>
/// Signals a whole process group. Steps start as session leaders (spawned with <c>POSIX_SPAWN_SETSID</c>, or
/// through the <c>setsid</c> program), so their process id is also the group id and <c>kill(-pgid, sig)</c> reaches
/// every descendant that did not leave the group itself.
/// </summary>
internal static partial class ProcessGroup
{
    public const int SigInt = 2;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    private static readonly Lazy<string?> SetsidPath = new(() => FindOnPath("setsid"));

    /// <summary>The <c>setsid</c> program, or null where there is none (then only the direct child can be signalled).</summary>
    public static string? Setsid => OperatingSystem.IsWindows() ? null : SetsidPath.Value;

    /// <summary>Sends <paramref name="signal"/> to the group led by <paramref name="pgid"/>; false when it is gone.</summary>
    public static bool Signal(int pgid, int signal)
    {
        if (OperatingSystem.IsWindows() || pgid <= 0)
        {
            return false;
        }

        return Kill(-pgid, signal) == 0;
    }

    /// <summary>True while any process of the group is alive (signal 0 probes without sending).</summary>
    public static bool IsAlive(int pgid) => !OperatingSystem.IsWindows() && pgid > 0 && Kill(-pgid, 0) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int sig);

    /// <summary>Finds an executable on PATH (the runner's own PATH, or the one given).</summary>
    public static string? FindOnPath(string name, string? path = null)
    {
        if (name.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(name) ? name : null;
        }

        foreach (var dir in (path ?? Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
