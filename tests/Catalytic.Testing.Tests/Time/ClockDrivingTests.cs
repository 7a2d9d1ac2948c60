using Catalytic.Testing.Time;
using Catalytic.Testing.Waiting;
using Microsoft.Extensions.Time.Testing;

namespace Catalytic.Testing.Tests.Time;

public sealed class ClockDrivingTests
{
    [Fact]
    public async Task AdvanceWhile_MovesTheClockUntilTheWorkEnds_AndOnlyThen()
    {
        var clock = new FakeTimeProvider();
        var work = Task.Delay(TimeSpan.FromSeconds(5), clock, TestContext.Current.CancellationToken);
        Assert.False(work.IsCompleted); // nothing moves the clock but the driver

        var before = clock.GetUtcNow();
        await clock.AdvanceWhileAsync(work, "a five-second delay of the clock");

        var passed = clock.GetUtcNow() - before;
        Assert.InRange(passed, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5) + ClockDriving.DefaultStep);
    }

    [Fact]
    public async Task AdvanceUntil_PastItsBudget_FailsSayingHowMuchOfTheClockPassed()
    {
        var clock = new FakeTimeProvider();
        var work = Task.Delay(TimeSpan.FromMinutes(1), clock, TestContext.Current.CancellationToken);

        var e = await Assert.ThrowsAsync<ConditionNotMetException>(() =>
            clock.AdvanceUntilAsync(() => work.IsCompleted, "the delay", step: TimeSpan.FromSeconds(1), budget: TimeSpan.FromSeconds(10)));

        Assert.Contains("not within 00:00:10 of the clock under test", e.Message, StringComparison.Ordinal);
        Assert.False(work.IsCompleted);
    }
}
