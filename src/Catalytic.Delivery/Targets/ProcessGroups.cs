using System.Runtime.InteropServices;

namespace Catalytic.Delivery.Targets;

/// <summary>Signals to whole process groups, so a shell and everything it started stop together.</summary>
internal static partial class ProcessGroups
{
    public const int SigKill = 9;
    public const int SigTerm = 15;

    /// <summary>Sends <paramref name="signal"/> to the process group <paramref name="pgid"/>; false when it no longer exists.</summary>
    public static bool Signal(int pgid, int signal) => pgid > 1 && Kill(-pgid, signal) == 0;

    /// <summary>True while any process of the group lives.</summary>
    public static bool Alive(int pgid) => pgid > 1 && Kill(-pgid, 0) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int sig);
}
