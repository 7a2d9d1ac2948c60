using Catalytic.Testing.Waiting;
using System.Net.Sockets;
using Catalytic.Runner.Services;
using Catalytic.Workflows.Model;
using Npgsql;
using StackExchange.Redis;

namespace Catalytic.Runner.Tests.Services;

public sealed class JobServiceStarterTests
{
    private static bool IsListening(int port)
    {
        using var client = new TcpClient();
        try
        {
            client.Connect("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string[] ServiceTempDirs(string id) =>
        Directory.GetDirectories(Path.GetTempPath(), $"catalytic-svc-{id}-*");

    [Fact]
    public async Task StartAsync_PostgresAndRedis_ServeQueriesAndLeaveNothingBehind()
    {
        var pgPort = Catalytic.Testing.Network.Ports.FreeTcpPort();
        var id = "pg" + Guid.NewGuid().ToString("N")[..6];
        var redisId = "cache" + Guid.NewGuid().ToString("N")[..6];
        var log = new List<string>();
        var services = new[]
        {
            new ServiceDefinition(id, "postgres:16")
            {
                Env = new Dictionary<string, string> { ["POSTGRES_USER"] = "app", ["POSTGRES_PASSWORD"] = "s3cret", ["POSTGRES_DB"] = "appdb" },
                Ports = [$"{pgPort}:5432"],
                Options = "--health-cmd pg_isready --health-interval 2s --health-timeout 5s --health-retries 5",
            },
            new ServiceDefinition(redisId, "redis:7-alpine") { Ports = ["6379"] },
        };

        var result = await new JobServiceStarter(new JobServiceOptions { Time = Catalytic.Testing.Waiting.RealTime.Clock }).StartAsync(services, log.Add, TestContext.Current.CancellationToken);

        Assert.True(result.Succeeded, result.Error);
        var running = result.Services!;
        int redisPort;
        try
        {
            Assert.Equal(pgPort.ToString(), running.Services[id].Ports["5432"]);
            Assert.Equal("127.0.0.1", running.Services[id].Host);
            var ports = (IReadOnlyDictionary<string, string>)running.ToContext()[redisId]["ports"];
            redisPort = int.Parse(ports["6379"]);
            Assert.NotEqual(6379, redisPort);

            await using (var pg = new NpgsqlConnection($"Host=127.0.0.1;Port={pgPort};Username=app;Password=s3cret;Database=appdb"))
            {
                await pg.OpenAsync(TestContext.Current.CancellationToken);
                await using var cmd = new NpgsqlCommand("create table t(x int); insert into t values (41); select x + 1 from t", pg);
                Assert.Equal(42, (int)(await cmd.ExecuteScalarAsync(TestContext.Current.CancellationToken))!);
            }

            // The password is really checked over TCP.
            await using (var wrong = new NpgsqlConnection($"Host=127.0.0.1;Port={pgPort};Username=app;Password=nope;Database=appdb"))
            {
                await Assert.ThrowsAsync<PostgresException>(() => wrong.OpenAsync(TestContext.Current.CancellationToken));
            }

            using (var redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redisPort}"))
            {
                var db = redis.GetDatabase();
                await db.StringSetAsync("k", "v");
                Assert.Equal("v", (string?)await db.StringGetAsync("k"));
            }

            Assert.Single(ServiceTempDirs(id));
        }
        finally
        {
            await running.DisposeAsync();
        }

        Assert.False(IsListening(pgPort));
        Assert.False(IsListening(redisPort));
        Assert.Empty(ServiceTempDirs(id));
        Assert.Empty(ServiceTempDirs(redisId));
    }

    [Fact]
    public async Task StartAsync_UnsupportedImageWithoutPodman_FailsNamingImageAndStopsStartedOnes()
    {
        var redisId = "first" + Guid.NewGuid().ToString("N")[..6];
        var starter = new JobServiceStarter(new JobServiceOptions { Podman = "/nonexistent/podman", SearchPath = "/usr/bin:/bin:/usr/sbin", Time = RealTime.Clock });

        var result = await starter.StartAsync(
            [new ServiceDefinition(redisId, "redis") { Ports = ["6379"] }, new ServiceDefinition("db", "mysql:8.0") { Ports = ["3306:3306"] }],
            _ => { },
            TestContext.Current.CancellationToken);

        Assert.False(result.Succeeded);
        Assert.Contains("mysql:8.0", result.Error);
        Assert.Contains("postgres:* and redis:*", result.Error);
        Assert.Contains("podman", result.Error);
        Assert.Empty(ServiceTempDirs(redisId));
    }

    [Fact]
    public async Task StartAsync_HostPortInUse_FailsClearly()
    {
        using var busy = new TcpListener(System.Net.IPAddress.Loopback, 0);
        busy.Start();
        var port = ((System.Net.IPEndPoint)busy.LocalEndpoint).Port;

        var result = await new JobServiceStarter(new JobServiceOptions { Time = Catalytic.Testing.Waiting.RealTime.Clock }).StartAsync(
            [new ServiceDefinition("r", "redis:7") { Ports = [$"{port}:6379"] }], _ => { }, TestContext.Current.CancellationToken);

        Assert.False(result.Succeeded);
        Assert.Contains($"port {port} on 127.0.0.1 is already in use", result.Error);
    }

    [Theory]
    [InlineData("5432", 5432, null)]
    [InlineData("15432:5432", 5432, 15432)]
    [InlineData("127.0.0.1:6380:6379", 6379, 6380)]
    [InlineData("8080/tcp", 8080, null)]
    public void PortMapping_Parse_ReadsHostAndContainerSides(string text, int container, int? host)
    {
        var mapping = PortMapping.Parse(text, out var error);

        Assert.Null(error);
        Assert.Equal(new PortMapping(container, host), mapping);
    }

    [Fact]
    public void FromTemplate_EvaluatedMapping_ReadsImageEnvPortsOptions()
    {
        var span = new SourceSpan("ci.yml", 1, 1);
        TemplateScalar S(string v) => new(v, true, span);
        var node = new TemplateMapping(
        [
            new(S("image"), S("postgres:${{ matrix.pg }}")),
            new(S("env"), new TemplateMapping([new(S("POSTGRES_PASSWORD"), S("pw"))], span)),
            new(S("ports"), new TemplateSequence([S("5432:5432")], span)),
            new(S("options"), S("--health-cmd pg_isready")),
        ], span);

        var definition = ServiceDefinition.FromTemplate("db", node, s => s.Value.Replace("${{ matrix.pg }}", "16"));

        Assert.Equal("postgres:16", definition.Image);
        Assert.Equal("postgres", definition.ImageName);
        Assert.Equal("16", definition.ImageTag);
        Assert.Equal("pw", definition.Env["POSTGRES_PASSWORD"]);
        Assert.Equal(["5432:5432"], definition.Ports);
        Assert.Equal("--health-cmd pg_isready", definition.Options);
    }

    [Theory]
    [InlineData("--health-interval 10s --health-retries 5", 50)]
    [InlineData("", 90)]
    [InlineData("--health-interval=1s --health-retries=2", 20)]
    [InlineData("--health-interval 1m30s --health-retries 10", 120)]
    public void HealthBudget_Options_BoundTheWait(string options, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), ServiceSupportAccess.HealthBudget(options));
}

internal static class ServiceSupportAccess
{
    public static TimeSpan HealthBudget(string options) => ServiceSupport.HealthBudget(options);
}
