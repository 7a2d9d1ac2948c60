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
    [InlineData(300, "300ms")]
    [InlineData(1_200, "1.2s")]
    [InlineData(90_000, "1m30s")]
    [InlineData(2_520_000, "42m0s")]
    [InlineData(5 * 86_400_000L + (3 * 3_600_000L), "5d3h")]
    [InlineData(-90_000, "-1m30s")]
    public void Format_WritesWhatTryParseReadsBack(long ms, string expected)
    {
        var span = TimeSpan.FromMilliseconds(ms);
        Assert.Equal(expected, Durations.Format(span));
        if (ms >= 0)
        {
            Assert.True(Durations.TryParse(expected, out var back));
            Assert.Equal(span, back);
        }
    }
}
