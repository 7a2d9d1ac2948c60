using Catalytic.Identity.Throttling;

namespace Catalytic.Identity.Tests;

public sealed class LoginThrottleTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(15);

    private static DateTimeOffset Ago(double minutes) => Now - TimeSpan.FromMinutes(minutes);

    [Fact]
    public void FewerFailuresThanTheLimit_MayTryNow()
    {
        Assert.Null(LoginThrottle.RetryAfter([], 5, Window, Now));
        Assert.Null(LoginThrottle.RetryAfter([Ago(4), Ago(3), Ago(2), Ago(1)], 5, Window, Now));
    }

    [Fact]
    public void AtTheLimit_WaitsUntilTheOldestCountedFailureLeavesTheWindow()
    {
        // Five failures, the oldest 10 minutes ago: it leaves the 15-minute window in 5 minutes.
        Assert.Equal(TimeSpan.FromMinutes(5), LoginThrottle.RetryAfter([Ago(10), Ago(8), Ago(6), Ago(4), Ago(2)], 5, Window, Now));
    }

    [Fact]
    public void PastTheLimit_WaitsUntilFewerThanTheLimitRemain_WhateverTheOrderGiven()
    {
        // Seven failures: the count drops below 5 once the three oldest (14, 12, 9 minutes ago) have left: in 6 minutes.
        Assert.Equal(TimeSpan.FromMinutes(6), LoginThrottle.RetryAfter([Ago(2), Ago(14), Ago(5), Ago(9), Ago(12), Ago(1), Ago(7)], 5, Window, Now));
    }

    [Fact]
    public void FailuresOutsideTheWindow_DoNotCount()
    {
        Assert.Null(LoginThrottle.RetryAfter([Ago(60), Ago(30), Ago(15), Ago(2), Ago(1)], 3, Window, Now));
    }

    [Fact]
    public void TheWait_IsNeverLessThanASecond()
    {
        var edge = Now - Window + TimeSpan.FromMilliseconds(10);
        Assert.Equal(TimeSpan.FromSeconds(1), LoginThrottle.RetryAfter([edge, Ago(1)], 2, Window, Now));
    }
}
