namespace Catalytic.Testing.Waiting;

/// <summary>
/// Waits for a condition instead of sleeping a fixed time and hoping: looks at it every <c>poll</c> until it holds,
/// and fails with a message saying what never happened once a generous deadline has passed. The deadline is not an
/// assertion about speed; it only keeps a broken test from hanging.
/// </summary>
public static class Eventually
{
    /// <summary>
    /// The deadline when none is given: a hang guard, not a speed bound. Three minutes, because the suite runs on
    /// 2-core machines under a load of 20 to 50 (CI beside other builds), where a step that takes a second when the
    /// machine is quiet has been seen to take over a minute.
    /// </summary>
    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromMinutes(3);

    private static readonly TimeSpan DefaultPoll = TimeSpan.FromMilliseconds(10);

    /// <summary>Returns once <paramref name="condition"/> holds; throws <see cref="ConditionNotMetException"/> naming <paramref name="what"/> otherwise.</summary>
    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? deadline = null, CancellationToken ct = default) =>
        UntilAsync(() => Task.FromResult(condition()), () => what, deadline, ct);

    /// <summary>As <see cref="UntilAsync(Func{bool}, string, TimeSpan?, CancellationToken)"/>, with a message computed at the deadline (to show the last state).</summary>
    public static Task UntilAsync(Func<bool> condition, Func<string> what, TimeSpan? deadline = null, CancellationToken ct = default) =>
        UntilAsync(() => Task.FromResult(condition()), what, deadline, ct);

    /// <summary>As <see cref="UntilAsync(Func{bool}, string, TimeSpan?, CancellationToken)"/> for a condition that must be asked asynchronously.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, Func<string> what, TimeSpan? deadline = null, CancellationToken ct = default)
    {
        var clock = RealTime.Clock;
        var start = clock.GetTimestamp();
        var limit = deadline ?? DefaultDeadline;
        while (!await condition())
        {
            if (clock.GetElapsedTime(start) > limit)
            {
                throw new ConditionNotMetException($"never happened within {limit.TotalSeconds:0.#} s: {what()}");
            }

            await Task.Delay(DefaultPoll, clock, ct);
        }
    }

    /// <summary>Waits for <paramref name="task"/> up to the deadline; fails naming <paramref name="what"/> when it does not complete.</summary>
    public static async Task<T> CompletesAsync<T>(Task<T> task, string what, TimeSpan? deadline = null)
    {
        await CompletesAsync((Task)task, what, deadline);
        return await task;
    }

    /// <summary>Waits for <paramref name="task"/> up to the deadline; fails naming <paramref name="what"/> when it does not complete.</summary>
    public static async Task CompletesAsync(Task task, string what, TimeSpan? deadline = null)
    {
        var limit = deadline ?? DefaultDeadline;
        try
        {
            await task.WaitAsync(limit, RealTime.Clock);
        }
        catch (TimeoutException)
        {
            throw new ConditionNotMetException($"never happened within {limit.TotalSeconds:0.#} s: {what}");
        }
    }
}

/// <summary>A condition a test waited for never held before its deadline.</summary>
public sealed class ConditionNotMetException(string message) : Exception(message);
