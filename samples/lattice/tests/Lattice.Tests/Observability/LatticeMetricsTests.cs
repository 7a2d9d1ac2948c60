using Lattice.Api.Observability;

namespace Lattice.Tests.Observability;

public sealed class LatticeMetricsTests
{
    private static readonly VersionInfo Version = new("lattice", "1.0.7", "abc123", ".NET");

    private static string Line(string text, string prefix) =>
        Assert.Single(text.Split('\n'), l => l.StartsWith(prefix, StringComparison.Ordinal));

    [Fact]
    public void Render_RequestsObserved_CountsAndCumulativeBuckets()
    {
        var metrics = new LatticeMetrics(Version);
        metrics.Request("/v1/paths", "POST", 200, TimeSpan.FromMilliseconds(3));
        metrics.Request("/v1/paths", "POST", 200, TimeSpan.FromMilliseconds(30));
        metrics.Request("/v1/paths", "POST", 400, TimeSpan.FromMilliseconds(1));

        var text = metrics.Render();

        Assert.EndsWith(" 2", Line(text, "lattice_http_requests_total{route=\"/v1/paths\",method=\"POST\",status=\"200\"}"), StringComparison.Ordinal);
        Assert.EndsWith(" 1", Line(text, "lattice_http_requests_total{route=\"/v1/paths\",method=\"POST\",status=\"400\"}"), StringComparison.Ordinal);
        const string series = "lattice_http_request_duration_seconds_bucket{route=\"/v1/paths\",method=\"POST\",status=\"200\",";
        Assert.EndsWith(" 0", Line(text, series + "le=\"0.0025\"}"), StringComparison.Ordinal);
        Assert.EndsWith(" 1", Line(text, series + "le=\"0.005\"}"), StringComparison.Ordinal);
        Assert.EndsWith(" 2", Line(text, series + "le=\"0.05\"}"), StringComparison.Ordinal);
        Assert.EndsWith(" 2", Line(text, series + "le=\"+Inf\"}"), StringComparison.Ordinal);
        Assert.EndsWith(" 0.033", Line(text, "lattice_http_request_duration_seconds_sum{route=\"/v1/paths\",method=\"POST\",status=\"200\"}"), StringComparison.Ordinal);
        Assert.Contains("lattice_build_info{version=\"1.0.7\",commit=\"abc123\"} 1\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_CacheAndComputations_AreCountedByLabel()
    {
        var metrics = new LatticeMetrics(Version);
        metrics.CacheHit("cache");
        metrics.CacheHit("cache");
        metrics.CacheHit("store");
        metrics.CacheMiss();
        metrics.Computation(reachable: false, TimeSpan.FromMilliseconds(2));

        var text = metrics.Render();

        Assert.Contains("lattice_cache_hits_total{layer=\"cache\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("lattice_cache_hits_total{layer=\"store\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("lattice_cache_misses_total 1\n", text, StringComparison.Ordinal);
        Assert.Contains("lattice_path_computations_total{reachable=\"false\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("lattice_path_computations_total{reachable=\"true\"} 0\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_EveryMetric_HasHelpAndTypeBeforeItsSamples()
    {
        var metrics = new LatticeMetrics(Version);
        metrics.Request("/healthz", "GET", 200, TimeSpan.FromMilliseconds(1));
        var typed = new HashSet<string>(StringComparer.Ordinal);

        foreach (var line in metrics.Render().Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                typed.Add(line.Split(' ')[2]);
                continue;
            }

            if (line.StartsWith('#'))
            {
                continue;
            }

            var name = line.Split('{', ' ')[0];
            var family = typed.FirstOrDefault(t => name == t || name == t + "_bucket" || name == t + "_sum" || name == t + "_count");
            Assert.True(family is not null, $"sample {name} has no # TYPE line before it");
        }
    }

    [Fact]
    public void Escape_QuotesBackslashesNewlines_AreEscaped() =>
        Assert.Equal("a\\\"b\\\\c\\nd", LatticeMetrics.Escape("a\"b\\c\nd"));
}
