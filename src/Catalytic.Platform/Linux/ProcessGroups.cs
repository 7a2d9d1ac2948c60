using System.Globalization;
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

    /// <summary>Sends <paramref name="signal"/> to the one process <paramref name="pid"/> (not a group); false when it is gone.</summary>
    public static bool SignalProcess(int pid, int signal) => !OperatingSystem.IsWindows() && pid > 1 && Kill(pid, signal) == 0;

    /// <summary>True while any process of the group is alive (signal 0 probes without sending).</summary>
    public static bool IsAlive(int pgid) => !OperatingSystem.IsWindows() && pgid > 1 && Kill(-pgid, 0) == 0;

    /// <summary>
    /// The processes of group <paramref name="pgid"/> that still run, from /proc. A zombie does not count: an orphan whose
    /// new parent (PID 1 of a container) never reaps it stays in /proc without running anything.
    /// </summary>
    public static IReadOnlyList<int> Members(int pgid)
    {
        var members = new List<int>();
        if (pgid <= 1 || !OperatingSystem.IsLinux())
        {
            return members;
        }

        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }

            // pid (comm) state ppid pgrp …: comm may hold spaces and parentheses, so fields count from the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ', 4);
            if (fields.Length >= 3 && fields[0] is not ("Z" or "X") && fields[2] == pgid.ToString(CultureInfo.InvariantCulture))
            {
                members.Add(pid);
            }
        }

        return members;
    }

    /// <summary>SIGKILL to every running process of the group for which <paramref name="spare"/> is false.</summary>
    public static void KillAllBut(int pgid, Func<int, bool> spare)
    {
        foreach (var pid in Members(pgid))
        {
            if (!spare(pid))
            {
                _ = Kill(pid, SigKill);
            }
        }
    }

    /// <summary>The argv of <paramref name="pid"/> from /proc (empty once it is gone).</summary>
    public static IReadOnlyList<string> CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int sig);
}
