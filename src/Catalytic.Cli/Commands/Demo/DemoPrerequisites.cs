using Catalytic.Runner.Services;
using Catalytic.Workflows.Parsing;

namespace Catalytic.Cli.Commands.Demo;

/// <summary>Where the demo looks for programs and whether it may install the missing ones (tests hide programs through <see cref="Path"/>).</summary>
internal sealed record DemoMachine(string? Path, bool IsRoot, bool MayInstall)
{
    /// <summary>This process's machine: its PATH, root or not, and installing allowed unless CATALYTIC_INSTALL=never.</summary>
    public static DemoMachine Current => new(
        Environment.GetEnvironmentVariable("PATH"),
        Environment.IsPrivilegedProcess,
        !string.Equals(Environment.GetEnvironmentVariable("CATALYTIC_INSTALL"), "never", StringComparison.Ordinal));
}

/// <summary>
/// Checks, before the demo starts anything, that the machine has what the sample's pipeline needs — git, and the
/// programs its jobs' <c>services:</c> run from (<see cref="HostPrerequisites"/>: PostgreSQL, redis-server…) —
/// and installs what is missing as <c>./test.sh</c> does (root, <c>apt-get install -y</c>, saying what it installs), or
/// stops at once with the command to run. A fresh machine has PostgreSQL but not Redis: without this the demo failed
/// eight minutes in, in the middle of the pipeline's integration phase.
/// </summary>
internal static class DemoPrerequisites
{
    /// <summary>Null when everything is there (possibly after installing it); otherwise why the demo cannot start.</summary>
    public static async Task<string?> EnsureAsync(string sample, DemoMachine machine, Narrator narrator, string logDirectory, CancellationToken ct)
    {
        var missing = Missing(sample, machine);
        if (missing.Count == 0)
        {
            return null;
        }

        var packages = missing.Select(m => m.Package).Distinct(StringComparer.Ordinal).ToArray();
        var command = $"apt-get install -y {string.Join(' ', packages)}";
        var what = string.Join("; ", missing.Select(m => $"{m.Program} (for {string.Join(", ", m.NeededBy)})"));
        var aptGet = HostPrerequisites.FindProgram("apt-get", machine.Path);
        if (!machine.IsRoot || !machine.MayInstall || aptGet is null)
        {
            var why = !machine.MayInstall ? "CATALYTIC_INSTALL=never" : aptGet is null ? "no apt-get on this machine" : "not running as root";
            return $"this machine lacks {what}. Install it first: {(machine.IsRoot ? "" : "sudo ")}{command}   ({why}, so the demo did not install it)";
        }

        narrator.Say($"installing what the pipeline needs and this machine lacks: {string.Join(", ", packages)} ({command})");
        Directory.CreateDirectory(logDirectory);
        var log = Path.Combine(logDirectory, "apt-get.log");
        Environment.SetEnvironmentVariable("DEBIAN_FRONTEND", "noninteractive");
        await SelfProcess.LoggedAsync(aptGet, ["update", "-qq"], logDirectory, log, ct);
        var exit = await SelfProcess.LoggedAsync(aptGet, ["install", "-y", "-qq", .. packages], logDirectory, log, ct);
        var still = Missing(sample, machine);
        return exit != 0 ? $"installing {string.Join(' ', packages)} failed (exit {exit}; see {log}). Install it yourself: {command}"
            : still.Count == 0 ? null
            // apt-get says it is installed (perhaps it was already) but the program is not where this PATH looks.
            : $"apt-get installed {string.Join(' ', packages)}, yet {string.Join(", ", still.Select(m => m.Program))} is still not on PATH ({machine.Path}). Add its folder to PATH (dpkg -L {still[0].Package} shows where it is) and run the demo again";
    }

    private static List<MissingProgram> Missing(string sample, DemoMachine machine)
    {
        var workflows = WorkflowParser.LoadDirectory(Path.Combine(sample, ".github", "workflows"), sample);
        var missing = HostPrerequisites.Check(workflows.Workflows.SelectMany(w => w.Jobs), machine.Path).ToList();
        if (HostPrerequisites.FindProgram("git", machine.Path) is null)
        {
            missing.Insert(0, new MissingProgram("git", "git", ["the demo's repository"]));
        }

        return missing;
    }
}
