using System.Runtime.InteropServices;

namespace Catalytic.Platform.Linux;

/// <summary>
/// Signals to whole process groups. Steps and app instances start as session leaders, so their process id is also
/// their group id and <c>kill(-pgid, sig)</c> reaches every descendant that did not leave the group itself.
/// </summary>
public static partial class ProcessGroups
{
    public const int SigInt = 2;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    /// <summary>Sends <paramref name="signal"/> to the group led by <paramref name="pgid"/>; false when it is gone (or not a group id).</summary>
    public static bool Signal(int pgid, int signal) => !OperatingSystem.IsWindows() && pgid > 1 && Kill(-pgid, signal) == 0;

    /// <summary>True while any process of the group is alive (signal 0 probes without sending).</summary>
    public static bool IsAlive(int pgid) => !OperatingSystem.IsWindows() && pgid > 1 && Kill(-pgid, 0) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int sig);
}
