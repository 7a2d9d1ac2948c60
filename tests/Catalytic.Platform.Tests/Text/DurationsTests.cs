using Catalytic.Platform.Text;

namespace Catalytic.Platform.Tests.Text;

/// <summary>The one duration parser every config, option and API field goes through (its grammar is in its summary).</summary>
public sealed class DurationsTests
{
    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("1s", 1_000)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("90d", 90L * 86_400_000)]
    [InlineData("1m30s", 90_000)]
    [InlineData("1d12h", 36L * 3_600_000)]
    [InlineData("1h30m15s250ms", 5_415_250)]
    [InlineData("30s1m", 90_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData(".5s", 500)]
    [InlineData("1.5d", 36L * 3_600_000)]
    [InlineData("  10s\t", 10_000)]
    [InlineData("0s", 0)]
    [InlineData("3", 3_000)]
    [InlineData("1.5", 1_500)]
    [InlineData("0", 0)]
    public void TryParse_EveryFormAConfigWrites_Parses(string text, long ms)
    {
        Assert.True(Durations.TryParse(text, out var t), text);
        Assert.Equal(TimeSpan.FromMilliseconds(ms), t);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    [InlineData("s")]
    [InlineData("5x")]
    [InlineData("5 s")]
    [InlineData("1m 30s")]
    [InlineData("1 fortnight")]
    [InlineData("1w")]
    [InlineData("1S")]
    [InlineData("1.2.3s")]
    [InlineData("1m30")]
    [InlineData("5s-")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("\u0661s")] // an Arabic-Indic digit: not an ASCII digit
    public void TryParse_Malformed_Fails(string? text) => Assert.False(Durations.TryParse(text, out _), text);

    [Theory]
    [InlineData("-1")]
    [InlineData("-5s")]
    [InlineData("-1m30s")]
    [InlineData("1m-30s")]
    public void TryParse_Negative_Fails(string text) => Assert.False(Durations.TryParse(text, out _), text);

    [Theory]
    [InlineData("1e300")]
    [InlineData("99999999999999999999d")]
    [InlineData("3652501d")]
    [InlineData("10000000000000000000000000000000000000000000ms")]
    [InlineData("3000000000000000000h1s")]
    public void TryParse_Huge_FailsInsteadOfOverflowing(string text)
    {
        Assert.False(Durations.TryParse(text, out var t), text);
        Assert.Equal(TimeSpan.Zero, t);
    }

    [Fact]
    public void TryParse_UpToMax_Parses()
    {
        Assert.True(Durations.TryParse("3652500d", out var t));
        Assert.Equal(Durations.Max, t);
    }

    [Theory]
    [InlineData("3")]
    [InlineData("1.5")]
    [InlineData("1e3")]
    public void TryParse_BareNumberWhereAUnitIsRequired_Fails(string text)
    {
        Assert.False(Durations.TryParse(text, out _, bareSeconds: false), text);
        Assert.True(Durations.TryParse(text, out _), text);
    }

    [Fact]
    public void TryParse_UnitWhereAUnitIsRequired_Parses()
    {
        Assert.True(Durations.TryParse("12h", out var t, bareSeconds: false));
        Assert.Equal(TimeSpan.FromHours(12), t);
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(300, "300ms")]
    [InlineData(1_000, "1s")]
    [InlineData(1_200, "1.2s")]
    [InlineData(1_500, "1.5s")]
    [InlineData(90_000, "1m30s")]
    [InlineData(60_500, "1m500ms")]
    [InlineData(600_000, "10m")]
    [InlineData(2_520_000, "42m")]
    [InlineData(5_400_000, "1h30m")]
    [InlineData(3_600_000, "1h")]
    [InlineData(5_415_250, "1h30m15.25s")]
    [InlineData(90L * 86_400_000, "90d")]
    [InlineData(5 * 86_400_000L + (3 * 3_600_000L), "5d3h")]
    [InlineData(86_400_000L + 1, "1d1ms")]
    [InlineData(-90_000, "-1m30s")]
    public void Format_WritesWhatAPersonWrites_AndTryParseReadsItBack(long ms, string expected)
    {
        var span = TimeSpan.FromMilliseconds(ms);
        Assert.Equal(expected, Durations.Format(span));
        if (ms >= 0)
        {
            Assert.True(Durations.TryParse(expected, out var back));
            Assert.Equal(span, back);
        }
    }

    [Theory]
    [InlineData(1, "0.0001ms")]
    [InlineData(5_000, "0.5ms")]
    [InlineData(12_345, "1.2345ms")]
    [InlineData(10_000_001, "1.0000001s")]
    [InlineData(599_999_999, "59.9999999s")]
    public void Format_BelowAMillisecond_IsExactToTheTick(long ticks, string expected)
    {
        Assert.Equal(expected, Durations.Format(new TimeSpan(ticks)));
        Assert.True(Durations.TryParse(expected, out var back));
        Assert.Equal(ticks, back.Ticks);
    }

    [Fact]
    public void Format_RoundTripsThroughTryParse_ForEveryKindOfValue()
    {
        var values = new List<long> { 0, 1, 9, 10, 9_999, 10_000, 10_001, TimeSpan.TicksPerSecond - 1, TimeSpan.TicksPerMinute - 1, TimeSpan.TicksPerHour + 1, TimeSpan.TicksPerDay - 1, Durations.Max.Ticks, Durations.Max.Ticks - 1 };
        foreach (var unit in new[] { 1L, TimeSpan.TicksPerMicrosecond, TimeSpan.TicksPerMillisecond, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute, TimeSpan.TicksPerHour, TimeSpan.TicksPerDay })
        {
            foreach (var n in new long[] { 1, 2, 7, 10, 59, 60, 61, 99, 100, 999, 1000, 1001, 3600, 86_399, 86_400 })
            {
                if (n * unit <= Durations.Max.Ticks)
                {
                    values.Add(n * unit);
                }
            }
        }

        // A seeded sweep over every magnitude from one tick to Max (log-uniform, so days and sub-milliseconds alike).
        var random = new Random(20261206);
        for (var i = 0; i < 20_000; i++)
        {
            values.Add((long)Math.Min(Durations.Max.Ticks, Math.Pow(10, random.NextDouble() * Math.Log10(Durations.Max.Ticks))));
        }

        foreach (var ticks in values)
        {
            var text = Durations.Format(new TimeSpan(ticks));
            Assert.True(Durations.TryParse(text, out var back, bareSeconds: false), $"{ticks} ticks: '{text}' does not parse");
            Assert.True(back.Ticks == ticks, $"{ticks} ticks: '{text}' reads back as {back.Ticks}");
        }
    }

    [Fact]
    public void Format_TheExtremesOfTimeSpan_DoNotThrow()
    {
        Assert.StartsWith("-", Durations.Format(TimeSpan.MinValue), StringComparison.Ordinal);
        Assert.EndsWith("s", Durations.Format(TimeSpan.MaxValue), StringComparison.Ordinal);
        Assert.StartsWith("-", Durations.FormatRounded(TimeSpan.MinValue), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(2_500, "0.25ms")]
    [InlineData(3_004_999, "300ms")]
    [InlineData(12_345_678, "1.2s")]
    [InlineData(599_999_999, "59.9s")]
    [InlineData(1_925_000_000, "3m12s")]
    [InlineData(75_299_000_000, "2h5m")]
    [InlineData(4 * TimeSpan.TicksPerDay + (23 * TimeSpan.TicksPerHour) + (59 * TimeSpan.TicksPerMinute), "4d23h")]
    [InlineData(-1_925_000_000, "-3m12s")]
    public void FormatRounded_KeepsTwoUnits_CutNotRounded(long ticks, string expected)
    {
        Assert.Equal(expected, Durations.FormatRounded(new TimeSpan(ticks)));
        if (ticks >= 0)
        {
            Assert.True(Durations.TryParse(expected, out var back));
            Assert.True(back.Ticks <= ticks);
        }
    }
}
