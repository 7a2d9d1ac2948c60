using Catalytic.Runner.Actions;
using Catalytic.Runner.Execution;

namespace Catalytic.Runner.Steps;

/// <summary>How a step ended before continue-on-error: its result, exit code, message, outputs and last lines.</summary>
internal sealed record StepOutcome(string Result, int? ExitCode, string? Message, IReadOnlyDictionary<string, string> Outputs, IReadOnlyList<string> Tail)
{
    public static StepOutcome Fail(string message) => new(Results.Failure, null, message, new Dictionary<string, string>(), []);

    public static StepOutcome Cancelled(IReadOnlyDictionary<string, string> outputs, IReadOnlyList<string> tail) =>
        new(Results.Cancelled, null, "the step was cancelled", outputs, tail);

    public static StepOutcome FromAction(ActionResult r, IReadOnlyDictionary<string, string> outputs, IReadOnlyList<string> tail) =>
        new(r.Succeeded ? Results.Success : Results.Failure, null, r.Succeeded ? null : r.Message ?? "the action failed", outputs, tail);
}
