namespace Catalytic.Edge.Tests.Support;

/// <summary>Waits for a condition instead of sleeping a fixed time: polls it, and fails saying what never happened.</summary>
public static class Eventually
{
    /// <summary>Generous on a loaded 2-core machine; only a condition that never holds waits this long.</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    public static async Task TrueAsync(Func<bool> condition, string what)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        while (!condition())
        {
            try
            {
                await Task.Delay(5, deadline.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"{what}: did not happen within {Deadline.TotalSeconds} s");
            }
        }
    }

    /// <summary>The task's result, failing (not hanging) when it does not complete within the deadline.</summary>
    public static async Task<T> ResultAsync<T>(Task<T> task, string what)
    {
        try
        {
            return await task.WaitAsync(Deadline, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{what}: did not complete within {Deadline.TotalSeconds} s");
            throw;
        }
    }
}
