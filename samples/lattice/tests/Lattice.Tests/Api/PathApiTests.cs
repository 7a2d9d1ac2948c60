using System.Net;
using System.Text;
using System.Text.Json;
using Lattice.Testing;

namespace Lattice.Tests.Api;

/// <summary>The real service over real HTTP on loopback, with in-memory storage.</summary>
public sealed class PathApiTests : IAsyncLifetime
{
    private RunningLattice _service = null!;

    public async ValueTask InitializeAsync() => _service = await RunningLattice.StartAsync();

    public ValueTask DisposeAsync() => _service.DisposeAsync();

    [Fact]
    public async Task PostPath_ThreeDimensionalLattice_ReturnsShortestPathThenServesItFromCache()
    {
        var request = new { dimensions = new[] { 20, 20, 5 }, start = new[] { 0, 0, 0 }, goal = new[] { 19, 19, 4 }, obstacles = new[] { new[] { 1, 0, 0 }, new[] { 0, 1, 0 } } };

        var (first, body) = await _service.PostPathAsync(request);
        var (_, again) = await _service.PostPathAsync(request);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.True(body.GetProperty("reachable").GetBoolean());
        Assert.Equal(42, body.GetProperty("length").GetInt32());
        Assert.Equal(43, body.GetProperty("path").GetArrayLength());
        Assert.False(body.GetProperty("cached").GetBoolean());
        Assert.True(body.GetProperty("visited").GetInt32() >= 43);
        Assert.Equal($"/v1/paths/{body.GetProperty("id").GetString()}", first.Headers.Location?.OriginalString);
        Assert.True(again.GetProperty("cached").GetBoolean());
        Assert.Equal(body.GetProperty("id").GetString(), again.GetProperty("id").GetString());
    }

    [Fact]
    public async Task GetPath_AfterPost_ReturnsTheStoredResult()
    {
        var (_, posted) = await _service.PostPathAsync(new { dimensions = new[] { 6 }, start = new[] { 0 }, goal = new[] { 5 }, algorithm = "bfs" });
        var id = posted.GetProperty("id").GetString();

        var (response, body) = await _service.GetJsonAsync($"/v1/paths/{id}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(5, body.GetProperty("length").GetInt32());
        Assert.Equal("bfs", body.GetProperty("algorithm").GetString());
    }

    [Fact]
    public async Task PostPath_GoalWalledIn_Returns200WithReachableFalse()
    {
        var (response, body) = await _service.PostPathAsync(new { dimensions = new[] { 3, 3 }, start = new[] { 0, 0 }, goal = new[] { 2, 2 }, obstacles = new[] { new[] { 1, 2 }, new[] { 2, 1 } } });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(body.GetProperty("reachable").GetBoolean());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("length").ValueKind);
        Assert.Equal(0, body.GetProperty("path").GetArrayLength());
    }

    [Fact]
    public async Task PostPath_InvalidFields_Returns400ProblemNamingEachField()
    {
        var (response, body) = await _service.PostPathAsync(new { dimensions = new[] { 5, 2000 }, start = new[] { 0 }, goal = new[] { 0, 0 } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(400, body.GetProperty("status").GetInt32());
        var errors = body.GetProperty("errors");
        Assert.Contains("between 1 and 1000", errors.GetProperty("dimensions[1]")[0].GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"dimensions\":[5,5],\"start\":[0,0],\"goal\":[4,4],\"colour\":\"red\"}", "colour", "does not know")]
    [InlineData("{\"dimensions\":[5,5],\"start\":[0,\"a\"],\"goal\":[4,4]}", "start[1]", "wrong type")]
    [InlineData("{\"dimensions\":[5,5],", "body", "not valid JSON (line 1")]
    [InlineData("", "body", "not valid JSON")]
    [InlineData("null", "body", "JSON object")]
    public async Task PostPath_MalformedJson_Returns400NamingTheField(string json, string field, string message)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        var response = await _service.Client.PostAsync(new Uri("/v1/paths", UriKind.Relative), content, TestContext.Current.CancellationToken);
        var body = await RunningLattice.ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = body.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out var list), $"no error for {field}: {errors}");
        Assert.Contains(message, list[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetPath_UnknownId_Returns404Problem()
    {
        var (response, body) = await _service.GetJsonAsync("/v1/paths/00000000000000000000000000000000");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(404, body.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task GetPath_MalformedId_Returns400NamingId()
    {
        var (response, body) = await _service.GetJsonAsync("/v1/paths/not-an-id");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(body.GetProperty("errors").TryGetProperty("id", out _));
    }

    [Fact]
    public async Task Healthz_InMemory_ReportsHealthyMemoryStorage()
    {
        var (response, body) = await _service.GetJsonAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("healthy", body.GetProperty("status").GetString());
        Assert.Equal("memory", body.GetProperty("store").GetString());
        Assert.Equal("memory", body.GetProperty("cache").GetString());
    }

    [Fact]
    public async Task Version_ReportsServiceVersionAndCommit()
    {
        var (response, body) = await _service.GetJsonAsync("/version");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("lattice", body.GetProperty("service").GetString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("version").GetString()));
        Assert.False(string.IsNullOrEmpty(body.GetProperty("commit").GetString()));
    }

    [Fact]
    public async Task Metrics_AfterRequests_CountsThemByRouteTemplateAndStatus()
    {
        var request = new { dimensions = new[] { 4, 4 }, start = new[] { 0, 0 }, goal = new[] { 3, 3 } };
        await _service.PostPathAsync(request);
        await _service.PostPathAsync(request);
        await _service.GetJsonAsync("/v1/paths/ffffffffffffffffffffffffffffffff");

        // The middleware records a request after its response is sent, so the last one may land a moment later.
        string text;
        HttpResponseMessage response;
        var attempts = 0;
        do
        {
            response = await _service.Client.GetAsync(new Uri("/metrics", UriKind.Relative), TestContext.Current.CancellationToken);
            text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        }
        while (!text.Contains("status=\"404\"} 1\n", StringComparison.Ordinal) && ++attempts < 50 && await Pause());

        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("lattice_http_requests_total{route=\"/v1/paths\",method=\"POST\",status=\"200\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("lattice_http_requests_total{route=\"/v1/paths/{id}\",method=\"GET\",status=\"404\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("lattice_cache_hits_total{layer=\"cache\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("lattice_path_computations_total{reachable=\"true\"} 1\n", text, StringComparison.Ordinal);
    }

    private static async Task<bool> Pause()
    {
        await Task.Delay(20, TestContext.Current.CancellationToken);
        return true;
    }
}
