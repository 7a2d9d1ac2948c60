using Catalytic.Edge.Metrics;

namespace Catalytic.Edge.Tests.Metrics;

public sealed class LatencyBucketsTests
{
    [Fact]
    public void IndexOf_EveryValue_FallsInsideItsBucket_AndMidpointIsWithinFourPercent()
    {
        var previous = -1;
        for (double v = 1; v < 100_000_000; v *= 1.013)
        {
            var micros = (long)v;
            var index = LatencyBuckets.IndexOf(micros);
            Assert.InRange(index, previous, LatencyBuckets.Count - 1);
            previous = index;
            Assert.InRange(micros, LatencyBuckets.LowerBound(index), LatencyBuckets.LowerBound(index) + LatencyBuckets.Width(index) - 1);
            var error = Math.Abs(LatencyBuckets.Representative(index) - micros) / micros;
            Assert.True(error <= 0.04, $"{micros} µs reported as {LatencyBuckets.Representative(index)} ({error:P1})");
        }
    }

    [Fact]
    public void IndexOf_OutOfRangeValues_AreClamped()
    {
        Assert.Equal(0, LatencyBuckets.IndexOf(-5));
        Assert.Equal(LatencyBuckets.Count - 1, LatencyBuckets.IndexOf(long.MaxValue));
    }
}
