using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Catalytic.Contracts.Deployments;
using Catalytic.Contracts.Json;
using Catalytic.Contracts.Problems;
using Catalytic.Contracts.Server;
using Catalytic.Server.Hosting;
using Catalytic.Testing.Files;
using Catalytic.Testing.Network;
using Catalytic.Testing.Time;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Catalytic.Server.Tests.Api;

/// <summary>
/// The API as an untrusted client sees it, against a real server in this process (real Kestrel, real HTTP, SQLite):
/// malformed, incomplete and hostile requests get a problem document naming the field at fault and change nothing.
/// </summary>
public sealed class DeliveryApiInputTests : IAsyncLifetime
{
    private readonly TempFolder _dir = new("api");
    private CatalyticServer? _server;
    private readonly FakeTimeProvider _clock = new();
    private HttpClient _api = null!;

    public async ValueTask InitializeAsync()
    {
        _dir.Write("catalytic.yml", $$"""
            apps:
              web:
                run: python3 app.py
                environments:
                  production:
                    listen: 127.0.0.1:{{Ports.FreeTcpPort()}}
                    strategy: blue-green
            """);
        _dir.Write("artifact/app.py", "print('never started')\n");
        _server = new CatalyticServer(new ServerOptions { StateDirectory = _dir[".catalytic"], ConfigPath = _dir["catalytic.yml"] }, _clock, NullLoggerFactory.Instance);
        Assert.Null(await _server.StartAsync(TestContext.Current.CancellationToken));
        _api = new HttpClient { BaseAddress = _server.ApiAddress };
        _api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", File.ReadAllText(Path.Combine(_dir[".catalytic"], ServerFiles.Token)));
    }

    public async ValueTask DisposeAsync()
    {
        _api.Dispose();
        if (_server is not null)
        {
            // Stopping waits on the server's clock (deployments' shutdown bound, instances' stop timeouts): keep it moving.
            await _clock.AdvanceWhileAsync(_server.DisposeAsync().AsTask(), "the server to stop", step: TimeSpan.FromMilliseconds(100));
        }

        _dir.Dispose();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer nope")]
    [InlineData("Basic dXNlcjpwYXNz")]
    public async Task AnyRoute_WithoutTheToken_Is401(string? authorization)
    {
        using var http = new HttpClient { BaseAddress = _server!.ApiAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/status");
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var r = await http.SendAsync(request, TestContext.Current.CancellationToken);

        await AssertProblemAsync(r, ApiProblems.Unauthorized, "authorization");
    }

    [Theory]
    [InlineData("{\"app\":")]
    [InlineData("not json at all")]
    [InlineData("[\"web\", \"production\"]")]
    [InlineData("{\"app\": 42, \"environment\": \"production\", \"artifact\": \"/tmp\"}")]
    public async Task Deploy_MalformedBody_Is400AndRecordsNothing(string body)
    {
        using var r = await _api.PostAsync("api/deployments", new StringContent(body, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        await AssertNothingRecordedAsync();
    }

    [Fact]
    public async Task Deploy_OversizedBody_IsRefusedAndRecordsNothing()
    {
        // 40 MB of one string: past Kestrel's request body limit (30 MB).
        var huge = "{\"app\":\"web\",\"environment\":\"production\",\"artifact\":\"" + new string('a', 40 * 1024 * 1024) + "\"}";

        try
        {
            using var r = await _api.PostAsync("api/deployments", new StringContent(huge, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, r.StatusCode);
        }
        catch (HttpRequestException e) when (e.InnerException is IOException)
        {
            // Kestrel answers 413 from the announced length and closes the connection before reading the body: the
            // client, still sending, sees its pipe broken instead of the answer.
        }

        await AssertNothingRecordedAsync(); // and the server still answers

    }

    [Theory]
    [InlineData("", "production", "{artifact}", null, null, "app", 400)]
    [InlineData("web", " ", "{artifact}", null, null, "environment", 400)]
    [InlineData("web", "production", "", null, null, "artifact", 400)]
    [InlineData("shop", "production", "{artifact}", null, null, "app", 404)]
    [InlineData("web", "moon", "{artifact}", null, null, "environment", 404)]
    [InlineData("web", "production", "{artifact}", null, "big-bang", "strategy", 400)]
    [InlineData("web", "production", "{artifact}", "../../etc", null, "version", 400)]
    [InlineData("web", "production", "/no/such/folder", null, null, "artifact", 400)]
    public async Task Deploy_InvalidField_NamesItAndRecordsNothing(string app, string environment, string artifact, string? version, string? strategy, string field, int status)
    {
        var body = new DeployBody(app, environment, artifact.Replace("{artifact}", _dir["artifact"], StringComparison.Ordinal), version, strategy);

        using var r = await _api.PostAsJsonAsync("api/deployments", body, ApiJson.Default.DeployBody, TestContext.Current.CancellationToken);

        var problem = await AssertProblemAsync(r, status == 404 ? ApiProblems.NotFound : ApiProblems.Invalid, field);
        Assert.False(string.IsNullOrWhiteSpace(problem.Detail));
        await AssertNothingRecordedAsync();
    }

    [Theory]
    [InlineData("api/apps/web/environments/production/approve", "environment")]
    [InlineData("api/apps/web/environments/production/reject", "environment")]
    [InlineData("api/apps/web/environments/production/rollback", "environment")]
    [InlineData("api/apps/web/environments/moon/rollback", "environment")]
    [InlineData("api/apps/shop/environments/production/rollback", "app")]
    public async Task Decisions_WithNothingToDecide_Are404NamingTheField(string path, string field)
    {
        using var r = await _api.PostAsync(path, new StringContent("{}", Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        await AssertProblemAsync(r, ApiProblems.NotFound, field);
        await AssertNothingRecordedAsync();
    }

    [Theory]
    [InlineData("api/deployments/d-nope", "id")]
    [InlineData("api/status?app=shop", "app")]
    [InlineData("api/status?app=web&environment=moon", "environment")]
    [InlineData("api/apps/web/environments/moon/logs", "environment")]
    public async Task Reads_OfUnknownThings_Are404NamingTheField(string path, string field)
    {
        using var r = await _api.GetAsync(path, TestContext.Current.CancellationToken);

        await AssertProblemAsync(r, ApiProblems.NotFound, field);
    }

    private static async Task<ProblemView> AssertProblemAsync(HttpResponseMessage r, ProblemKind kind, string field)
    {
        Assert.Equal(kind.Status, (int)r.StatusCode);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        var problem = (await r.Content.ReadFromJsonAsync(ApiJson.Default.ProblemView))!;
        Assert.Equal((kind.Title, kind.Type, field), (problem.Title, problem.Type, problem.Field));
        return problem;
    }

    private async Task AssertNothingRecordedAsync()
    {
        var list = await _api.GetFromJsonAsync("api/deployments", ApiJson.Default.IReadOnlyListDeploymentView, TestContext.Current.CancellationToken);
        Assert.Empty(list!);
        Assert.False(Directory.Exists(Path.Combine(_dir[".catalytic"], "releases", "web")) && Directory.EnumerateFileSystemEntries(Path.Combine(_dir[".catalytic"], "releases", "web")).Any(),
            "a release was stored for a refused request");
    }
}
