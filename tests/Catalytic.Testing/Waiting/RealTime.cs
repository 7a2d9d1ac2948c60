namespace Catalytic.Testing.Waiting;

/// <summary>
/// The wall clock, for the two things a test may use it for: the deadline of a wait for a condition (a test must end
/// even when the condition never holds) and the pause between two looks at that condition. Nothing a test asserts is
/// measured with it. Every other use of the system clock is banned in the projects that import eng/TimeRules.props.
/// </summary>
public static class RealTime
{
#pragma warning disable RS0030 // The deadline of a wait is real time by definition: it bounds how long a person waits for a red test.
    /// <summary>The system clock.</summary>
    public static TimeProvider Clock => TimeProvider.System;
#pragma warning restore RS0030
}
