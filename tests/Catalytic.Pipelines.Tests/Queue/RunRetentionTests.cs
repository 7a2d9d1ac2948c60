using Catalytic.Pipelines.Runs;

namespace Catalytic.Pipelines.Tests.Queue;

/// <summary>catalytic.yml's <c>runs: keep:</c>: what it accepts, and a clear error naming file:line:column for the rest.</summary>
public sealed class RunRetentionTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("catalytic-retention-");

    [Theory]
    [InlineData("keep: 500", 500, null)]
    [InlineData("keep: 30d", null, 30 * 24)]
    [InlineData("keep: 12h", null, 12)]
    [InlineData("keep: [500, 30d]", 500, 30 * 24)]
    [InlineData("keep: [7d, 3]", 3, 7 * 24)]
    public void Keep_CountAgeOrBoth(string body, int? runs, int? hours)
    {
        var (retention, errors) = Load($"runs:\n  {body}\n");
        Assert.Empty(errors);
        Assert.Equal((runs, hours is null ? (TimeSpan?)null : TimeSpan.FromHours(hours.Value)), (retention.KeepRuns, retention.KeepFor));
        Assert.True(retention.Prunes);
    }

    [Fact]
    public void NoSection_KeepsEverything()
    {
        var (retention, errors) = Load("apps: {}\n");
        Assert.Empty(errors);
        Assert.False(retention.Prunes);
        Assert.Equal(RunRetention.None, RunRetention.Load(Path.Combine(_dir.FullName, "missing.yml")).Retention);
    }

    [Theory]
    [InlineData("runs: 5\n", "1:7", "must be a mapping")]
    [InlineData("runs:\n  keep: 0\n", "2:9", "'0' must be a number of runs from 1")]
    [InlineData("runs:\n  keep: lots\n", "2:9", "'lots'")]
    [InlineData("runs:\n  keep: 30x\n", "2:9", "'30x'")]
    [InlineData("runs:\n  keep: 0d\n", "2:9", "'0d'")]
    [InlineData("runs:\n  keep: -3\n", "2:9", "'-3'")]
    [InlineData("runs:\n  keep: 99999999999\n", "2:9", "'99999999999'")]
    [InlineData("runs:\n  keep: [1, 2]\n", "2:13", "each at most once")]
    [InlineData("runs:\n  keep: [1, 2d, 3]\n", "2:9", "a list of one of each")]
    [InlineData("runs:\n  keep: {n: 1}\n", "2:9", "a list of one of each")]
    [InlineData("runs:\n  kept: 5\n", "2:3", "kept")]
    public void BadKeep_IsAnErrorNamingWhere_AndKeepsEverything(string yaml, string at, string says)
    {
        var (retention, errors) = Load(yaml);
        var error = Assert.Single(errors);
        Assert.Contains($"catalytic.yml:{at}: ", error, StringComparison.Ordinal);
        Assert.Contains(says, error, StringComparison.Ordinal);
        Assert.Equal(RunRetention.None, retention);
    }

    private (RunRetention Retention, System.Collections.Immutable.ImmutableArray<string> Errors) Load(string yaml)
    {
        var path = Path.Combine(_dir.FullName, "catalytic.yml");
        File.WriteAllText(path, yaml);
        return RunRetention.Load(path);
    }

    public void Dispose() => _dir.Delete(recursive: true);
}
