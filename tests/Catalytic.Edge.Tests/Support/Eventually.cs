namespace Catalytic.Edge.Tests.Support;

/// <summary>
/// The edge tests' names for the shared waiting of Catalytic.Testing (a condition polled with a generous deadline,
/// failing with what never happened; never a fixed sleep).
/// </summary>
public static class Eventually
{
    /// <summary>How long a condition may take on a loaded 2-core machine before the test fails.</summary>
    public static readonly TimeSpan Deadline = Catalytic.Testing.Waiting.Eventually.DefaultDeadline;

    public static Task TrueAsync(Func<bool> condition, string what) =>
        Catalytic.Testing.Waiting.Eventually.UntilAsync(condition, what, ct: TestContext.Current.CancellationToken);

    /// <summary>The task's result, failing (not hanging) when it does not complete within the deadline.</summary>
    public static Task<T> ResultAsync<T>(Task<T> task, string what) => Catalytic.Testing.Waiting.Eventually.CompletesAsync(task, what);
}
