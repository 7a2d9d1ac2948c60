using Catalytic.Testing.Waiting;
using Microsoft.Extensions.Time.Testing;

namespace Catalytic.Testing.Time;

/// <summary>
/// Moves a <see cref="FakeTimeProvider"/> while a test waits for something that needs time to pass: the clock moves
/// only here, by a fixed step, with a pause of real time between steps so real work (processes, sockets, the store)
/// keeps up. What the code under test sees is fake time only: its timers, delays and timeouts fire when the test has
/// moved the clock past them, never because the machine was slow. A fake-time <c>budget</c> turns "it happened within
/// N of the code's own time" into an assertion that holds however loaded the machine is; a generous real deadline
/// only keeps a broken test from hanging.
/// </summary>
public static class ClockDriving
{
    /// <summary>The step when none is given: finer than any interval the tests configure.</summary>
    public static readonly TimeSpan DefaultStep = TimeSpan.FromMilliseconds(10);

    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(1);

    /// <summary>
    /// Advances <paramref name="clock"/> by <paramref name="step"/> until <paramref name="condition"/> holds. Fails naming
    /// <paramref name="what"/> when more than <paramref name="budget"/> of fake time had to pass, or the real deadline passed.
    /// Returns the fake time that passed.
    /// </summary>
    public static async Task<TimeSpan> AdvanceUntilAsync(this FakeTimeProvider clock, Func<bool> condition, Func<string> what,
        TimeSpan? step = null, TimeSpan? budget = null, TimeSpan? deadline = null)
    {
        var real = RealTime.Clock;
        var started = real.GetTimestamp();
        var from = clock.GetUtcNow();
        var limit = deadline ?? Eventually.DefaultDeadline;
        while (!condition())
        {
            var passed = clock.GetUtcNow() - from;
            if (budget is { } b && passed > b)
            {
                throw new ConditionNotMetException($"not within {b} of the clock under test (after {passed}): {what()}");
            }

            if (real.GetElapsedTime(started) > limit)
            {
                throw new ConditionNotMetException($"never happened within {limit.TotalSeconds:0.#} s ({passed} of the clock under test passed): {what()}");
            }

            clock.Advance(step ?? DefaultStep);
            await Task.Delay(Pause, real);
        }

        return clock.GetUtcNow() - from;
    }

    /// <summary>As <see cref="AdvanceUntilAsync(FakeTimeProvider, Func{bool}, Func{string}, TimeSpan?, TimeSpan?, TimeSpan?)"/> with a fixed message.</summary>
    public static Task<TimeSpan> AdvanceUntilAsync(this FakeTimeProvider clock, Func<bool> condition, string what,
        TimeSpan? step = null, TimeSpan? budget = null, TimeSpan? deadline = null) =>
        clock.AdvanceUntilAsync(condition, () => what, step, budget, deadline);

    /// <summary>Advances <paramref name="clock"/> until <paramref name="work"/> completes; returns its result.</summary>
    public static async Task<T> AdvanceWhileAsync<T>(this FakeTimeProvider clock, Task<T> work, string what, TimeSpan? step = null, TimeSpan? budget = null, TimeSpan? deadline = null)
    {
        await clock.AdvanceUntilAsync(() => work.IsCompleted, what, step, budget, deadline);
        return await work;
    }

    /// <summary>Advances <paramref name="clock"/> until <paramref name="work"/> completes.</summary>
    public static async Task AdvanceWhileAsync(this FakeTimeProvider clock, Task work, string what, TimeSpan? step = null, TimeSpan? budget = null, TimeSpan? deadline = null)
    {
        await clock.AdvanceUntilAsync(() => work.IsCompleted, what, step, budget, deadline);
        await work;
    }

    /// <summary>
    /// Advances <paramref name="clock"/> until an asynchronous <paramref name="condition"/> holds (asked between steps),
    /// e.g. a state read from a store.
    /// </summary>
    public static async Task<T> AdvanceUntilAsync<T>(this FakeTimeProvider clock, Func<Task<T>> read, Func<T, bool> done, Func<T, string> what,
        TimeSpan? step = null, TimeSpan? budget = null, TimeSpan? deadline = null)
    {
        var last = await read();
        var pending = (Task<T>?)null;
        await clock.AdvanceUntilAsync(() =>
        {
            if (pending is { IsCompleted: true })
            {
                last = pending.Result;
                pending = null;
            }

            if (done(last))
            {
                return true;
            }

            pending ??= read();
            return false;
        }, () => what(last), step, budget, deadline);
        return last;
    }
}
