using Catalytic.Testing.Waiting;

namespace Catalytic.Testing.Tests.Waiting;

public sealed class EventuallyTests
{
    [Fact]
    public async Task Until_ConditionThatBecomesTrue_Returns()
    {
        var asked = 0;

        await Eventually.UntilAsync(() => ++asked >= 3, "the third look", ct: TestContext.Current.CancellationToken);

        Assert.Equal(3, asked);
    }

    [Fact]
    public async Task Until_ConditionThatNeverHolds_FailsSayingWhatNeverHappened_WithTheLastState()
    {
        var state = "starting";

        var e = await Assert.ThrowsAsync<ConditionNotMetException>(() =>
            Eventually.UntilAsync(() => false, () => $"the instance to be healthy (it is {state})", TimeSpan.FromMilliseconds(50), TestContext.Current.CancellationToken));

        Assert.Contains("never happened within", e.Message, StringComparison.Ordinal);
        Assert.Contains("the instance to be healthy (it is starting)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Completes_TaskThatNeverEnds_FailsNamingIt()
    {
        var never = new TaskCompletionSource();

        var e = await Assert.ThrowsAsync<ConditionNotMetException>(() => Eventually.CompletesAsync(never.Task, "the server to stop", TimeSpan.FromMilliseconds(50)));

        Assert.Contains("the server to stop", e.Message, StringComparison.Ordinal);
    }
}
