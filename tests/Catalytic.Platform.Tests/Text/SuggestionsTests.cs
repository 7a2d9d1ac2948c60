using Catalytic.Platform.Text;

namespace Catalytic.Platform.Tests.Text;

public sealed class SuggestionsTests
{
    [Theory]
    [InlineData("runs_on", "runs-on")]
    [InlineData("Runs-On", "runs-on")]
    [InlineData("setps", "steps")]
    [InlineData("enviroments", "environments")]
    public void Closest_LikelyTypo_IsSuggested(string word, string expected) =>
        Assert.Equal(expected, Suggestions.Closest(word, ["runs-on", "steps", "environments", "env"]));

    [Fact]
    public void Closest_NothingClose_IsNull() => Assert.Null(Suggestions.Closest("colour", ["path", "interval", "timeout"]));

    [Fact]
    public void DidYouMean_FormatsTheHintOrNothing()
    {
        Assert.Equal("; did you mean 'apps'?", Suggestions.DidYouMean("app", ["apps", "actions"]));
        Assert.Equal("", Suggestions.DidYouMean("zzz", ["apps", "actions"]));
    }
}
