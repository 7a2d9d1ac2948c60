namespace Catalytic.Testing.Processes;

/// <summary>
/// The log masking stage as a supervisor starts it in tests: the built CLI's own launcher with the hidden verb (the
/// test host is not catalytic, so in-process supervisors and servers are given it explicitly).
/// </summary>
public static class MaskStage
{
    /// <summary>The CLI's hidden verb that runs the stage (Cli/Commands/MaskLogStage.Verb: the host says how to start it).</summary>
    public const string Verb = "__mask-log";

    public static IReadOnlyList<string> Command => [CatalyticProcess.Launcher, Verb];
}
