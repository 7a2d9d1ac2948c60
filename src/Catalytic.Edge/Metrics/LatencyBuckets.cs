using System.Numerics;

namespace Catalytic.Edge.Metrics;

/// <summary>
/// Log-linear latency buckets over microseconds, in the manner of HdrHistogram: exact below 32 µs, then 16 buckets per
/// power of two, so a bucket is at most 1/16 of its lower bound wide and its midpoint is within ~3% of any value in it.
/// Fixed boundaries let per-second histograms be added together for any window without losing precision.
/// </summary>
internal static class LatencyBuckets
{
    private const int LinearLimit = 32;            // 2^5: values below are their own bucket
    private const int SubBuckets = 16;             // per octave above the linear range
    private const int MaxExponent = 27;            // 2^27 µs ≈ 134 s; anything slower lands in the last bucket

    /// <summary>Number of buckets.</summary>
    public const int Count = LinearLimit + ((MaxExponent - 5) * SubBuckets);

    /// <summary>The bucket of a latency given in microseconds.</summary>
    public static int IndexOf(long micros)
    {
        if (micros < LinearLimit)
        {
            return micros < 0 ? 0 : (int)micros;
        }

        if (micros >= 1L << MaxExponent)
        {
            return Count - 1;
        }

        var msb = 63 - BitOperations.LeadingZeroCount((ulong)micros); // ≥ 5
        var shift = msb - 4;                                            // keeps the top 5 bits: 16..31
        return LinearLimit + ((shift - 1) * SubBuckets) + (int)((micros >> shift) - SubBuckets);
    }

    /// <summary>The smallest latency (µs) that falls in <paramref name="index"/>.</summary>
    public static long LowerBound(int index)
    {
        if (index < LinearLimit)
        {
            return index;
        }

        var k = index - LinearLimit;
        var shift = (k / SubBuckets) + 1;
        return (long)((k % SubBuckets) + SubBuckets) << shift;
    }

    /// <summary>The width (µs) of <paramref name="index"/>.</summary>
    public static long Width(int index) => index < LinearLimit ? 1 : 1L << (((index - LinearLimit) / SubBuckets) + 1);

    /// <summary>The value reported for a bucket: its midpoint (exact in the linear range).</summary>
    public static double Representative(int index) =>
        index < LinearLimit ? index : LowerBound(index) + (Width(index) / 2.0);
}
