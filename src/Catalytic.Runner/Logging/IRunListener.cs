namespace Catalytic.Runner.Logging;

/// <summary>How a line of step output is shown: plain, a group title, or inside a folded group.</summary>
public enum LineKind
{
    Output,
    GroupStart,
    InGroup,
    GroupEnd,

    /// <summary>Lines the runner itself writes (step headers, results, annotations).</summary>
    Runner,
}

/// <summary>
/// Receives the live progress of a run. Every text is already masked. Calls come from many jobs at
/// once; implementations synchronise themselves.
/// </summary>
public interface IRunListener
{
    void JobStarted(string jobLabel);

    void StepStarted(string jobLabel, string stepName);

    void Line(string jobLabel, string stepName, string text, LineKind kind);

    void JobFinished(string jobLabel, string result, TimeSpan duration);
}

/// <summary>Discards everything (tests, <c>--json -</c>).</summary>
public sealed class NullRunListener : IRunListener
{
    public static NullRunListener Instance { get; } = new();

    public void JobStarted(string jobLabel)
    {
    }

    public void StepStarted(string jobLabel, string stepName)
    {
    }

    public void Line(string jobLabel, string stepName, string text, LineKind kind)
    {
    }

    public void JobFinished(string jobLabel, string result, TimeSpan duration)
    {
    }
}
