using Catalytic.Runner.Execution;

namespace Catalytic.Runner.Steps;

/// <summary>
/// Runs one kind of step: a script on the host or in the job's container, a built-in action, a composite or a
/// JavaScript action… Each kind is one class in its feature folder, registered once in <see cref="StepRunners"/>.
/// </summary>
internal interface IStepRunner
{
    /// <summary>Whether this runner runs <paramref name="call"/> (the first registered runner that accepts it does).</summary>
    bool Accepts(StepCall call);

    /// <summary>
    /// Runs the step. Failures are outcomes, not exceptions; an expression error or an I/O failure may throw and fails
    /// the step. For a <c>uses:</c> step <paramref name="cancellationToken"/> also ends at the step's timeout.
    /// </summary>
    Task<StepOutcome> RunAsync(StepCall call, CancellationToken cancellationToken);

    /// <summary>Before the job's first step: the parts of this kind that run first (a JavaScript action's <c>pre</c>).</summary>
    Task RunPreStepsAsync(JobRun job, CancellationToken cancellationToken) => Task.CompletedTask;
}
