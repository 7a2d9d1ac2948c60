using Catalytic.Testing.Waiting;
using Microsoft.Extensions.Time.Testing;

namespace Catalytic.Runner.Tests;

/// <summary>Waiting for a condition instead of sleeping a fixed time: polls with a generous deadline and says what never happened.</summary>
internal static class Eventually
{
    private static readonly TimeSpan Patience = Catalytic.Testing.Waiting.Eventually.DefaultDeadline;

    /// <summary>Returns once <paramref name="condition"/> holds; fails naming <paramref name="what"/> when it never does.</summary>
    public static Task Until(Func<bool> condition, string what) =>
        Catalytic.Testing.Waiting.Eventually.UntilAsync(condition, what, ct: TestContext.Current.CancellationToken);

    /// <summary>
    /// Moves <paramref name="clock"/> by <paramref name="step"/> until <paramref name="task"/> completes, letting the
    /// processes it waits for act between steps; returns how far the clock moved. Fails when it never completes.
    /// </summary>
    public static async Task<TimeSpan> AdvanceUntil(FakeTimeProvider clock, Task task, TimeSpan step)
    {
        var moved = TimeSpan.Zero;
        var deadline = RealTime.Clock.GetTimestamp();
        while (!task.IsCompleted)
        {
            Assert.True(RealTime.Clock.GetElapsedTime(deadline) < Patience, $"still running after the clock moved {moved} and {Patience} passed");
            clock.Advance(step);
            moved += step;
            await Task.WhenAny(task, Task.Delay(TimeSpan.FromMilliseconds(20), RealTime.Clock, TestContext.Current.CancellationToken));
        }

        await task;
        return moved;
    }
}
