using System.Reflection;

namespace Catalytic.Cli.Commands;

/// <summary>
/// The hidden verb that runs an instance's log masking stage (<see cref="Delivery.Targets.LogMasker.RunProcess"/>): this
/// executable is the host that starts instances, so it says how to start their stage — with itself.
/// </summary>
internal static class MaskLogStage
{
    /// <summary>The verb (never typed by a person; handled before the command line is parsed).</summary>
    public const string Verb = "__mask-log";

    /// <summary>
    /// The command that runs the stage with this executable: <c>[catalytic, __mask-log]</c>, or
    /// <c>[dotnet, catalytic.dll, __mask-log]</c> for the IL build run through the muxer; null when the process is not
    /// this executable (a test host calling the commands in-process), where no stage can be started.
    /// </summary>
    public static IReadOnlyList<string>? SelfCommand()
    {
        if (Environment.ProcessPath is not { } exe || Assembly.GetEntryAssembly() != typeof(MaskLogStage).Assembly)
        {
            return null;
        }

        if (Path.GetFileNameWithoutExtension(exe) == "dotnet")
        {
            var dll = Environment.GetCommandLineArgs()[0];
            return dll.EndsWith(".dll", StringComparison.Ordinal) && File.Exists(dll) ? [exe, Path.GetFullPath(dll), Verb] : null;
        }

        return [exe, Verb];
    }
}
