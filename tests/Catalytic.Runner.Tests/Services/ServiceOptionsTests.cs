using Catalytic.Runner.Services;

namespace Catalytic.Runner.Tests.Services;

public sealed class ServiceOptionsTests
{
    [Fact]
    public void Parse_quoted_health_flags_reads_command_and_durations()
    {
        var o = ServiceOptions.Parse("--health-cmd \"pg_isready -U app\" --health-interval 10s --health-timeout=5s --health-retries 5 --health-start-period 1m30s");
        Assert.Equal("pg_isready -U app", o.HealthCommand);
        Assert.Equal(TimeSpan.FromSeconds(10), o.Interval);
        Assert.Equal(TimeSpan.FromSeconds(5), o.Timeout);
        Assert.Equal(5, o.Retries);
        Assert.Equal(TimeSpan.FromSeconds(90), o.StartPeriod);
        Assert.Empty(o.Ignored);
        Assert.Empty(o.Errors);
    }

    [Fact]
    public void Parse_single_quotes_and_equals_form_keep_inner_spaces()
    {
        var o = ServiceOptions.Parse("--health-cmd='redis-cli ping' --health-interval=500ms");
        Assert.Equal("redis-cli ping", o.HealthCommand);
        Assert.Equal(TimeSpan.FromMilliseconds(500), o.Interval);
    }

    [Fact]
    public void Parse_without_flags_has_dockers_defaults()
    {
        var o = ServiceOptions.Parse("");
        Assert.Null(o.HealthCommand);
        Assert.Equal(TimeSpan.FromSeconds(30), o.Interval);
        Assert.Equal(TimeSpan.FromSeconds(30), o.Timeout);
        Assert.Equal(3, o.Retries);
    }

    [Fact]
    public void Parse_other_docker_flags_are_listed_as_ignored()
    {
        var o = ServiceOptions.Parse("--entrypoint redis-server --network-alias cache --health-cmd true --health-start-interval 1s");
        Assert.Equal(["--entrypoint", "--network-alias", "--health-start-interval"], o.Ignored);
        Assert.Equal("true", o.HealthCommand);
    }

    [Fact]
    public void Parse_bad_values_are_errors_naming_the_flag()
    {
        var o = ServiceOptions.Parse("--health-retries many --health-interval soon --health-timeout");
        Assert.Contains(o.Errors, e => e.Contains("--health-retries 'many'", StringComparison.Ordinal));
        Assert.Contains(o.Errors, e => e.Contains("--health-interval 'soon'", StringComparison.Ordinal));
        Assert.Contains(o.Errors, e => e.Contains("--health-timeout needs a value", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("pg_isready -h localhost -p 5432", "pg_isready -h localhost -p 15432")]
    [InlineData("pg_isready --port=5432", "pg_isready --port=15432")]
    [InlineData("curl -f http://localhost:5432/health", "curl -f http://localhost:15432/health")]
    [InlineData("pg_isready -p 54321", "pg_isready -p 54321")]
    public void HostCommand_container_port_references_point_at_the_host_port(string command, string expected)
    {
        var service = new RunningService("db", "postgres:16", "127.0.0.1", new Dictionary<string, string> { ["5432"] = "15432" }, "postgres");
        Assert.Equal(expected, ServiceHealthCheck.HostCommand(command, service));
    }

    [Theory]
    [InlineData("redis-cli ping", "redis-cli -h 127.0.0.1 -p 16379 ping")]
    [InlineData("redis-cli ping | grep PONG", "redis-cli -h 127.0.0.1 -p 16379 ping | grep PONG")]
    [InlineData("redis-cli -h 127.0.0.1 -p 6379 ping", "redis-cli -h 127.0.0.1 -p 16379 ping")]
    public void HostCommand_redis_cli_gets_the_service_address(string command, string expected)
    {
        var service = new RunningService("cache", "redis:7", "127.0.0.1", new Dictionary<string, string> { ["6379"] = "16379" }, "redis");
        Assert.Equal(expected, ServiceHealthCheck.HostCommand(command, service));
    }
}

public sealed class ServiceHealthCheckTests
{
    [Fact]
    public async Task StartAsync_redis_with_health_cmd_waits_for_it_and_logs_healthy()
    {
        var log = new List<string>();
        var result = await new JobServiceStarter(new JobServiceOptions { Time = Catalytic.Testing.Waiting.RealTime.Clock }).StartAsync(
            [new ServiceDefinition("cache" + Guid.NewGuid().ToString("N")[..6], "redis:7") { Ports = ["6379"], Options = "--health-cmd \"redis-cli ping\" --health-interval 100ms --health-retries 3 --entrypoint x" }],
            log.Add,
            TestContext.Current.CancellationToken);
        await using var services = result.Services;
        Assert.True(result.Succeeded, result.Error);
        Assert.Contains(log, l => l.Contains("healthy (--health-cmd redis-cli -h 127.0.0.1 -p ", StringComparison.Ordinal));
        Assert.Contains(log, l => l.StartsWith("warning: ", StringComparison.Ordinal) && l.Contains("options --entrypoint ignored", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StartAsync_postgres_health_cmd_sees_pg_variables_of_the_service()
    {
        var log = new List<string>();
        var result = await new JobServiceStarter(new JobServiceOptions { Time = Catalytic.Testing.Waiting.RealTime.Clock }).StartAsync(
            [new ServiceDefinition("pg" + Guid.NewGuid().ToString("N")[..6], "postgres:16")
            {
                Env = new Dictionary<string, string> { ["POSTGRES_USER"] = "app", ["POSTGRES_PASSWORD"] = "pw", ["POSTGRES_DB"] = "appdb" },
                Ports = ["5432"],
                Options = "--health-cmd 'pg_isready && psql -tAc \"select current_user\" | grep -qx app' --health-interval 200ms --health-retries 3",
            }],
            log.Add,
            TestContext.Current.CancellationToken);
        await using var services = result.Services;
        Assert.True(result.Succeeded, result.Error + "\n" + string.Join('\n', log));
        Assert.Contains(log, l => l.Contains("healthy (--health-cmd", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StartAsync_failing_health_cmd_fails_after_retries_naming_service_and_last_output_and_stops_it()
    {
        var id = "sick" + Guid.NewGuid().ToString("N")[..6];
        var log = new List<string>();
        var result = await new JobServiceStarter(new JobServiceOptions { Time = Catalytic.Testing.Waiting.RealTime.Clock }).StartAsync(
            [new ServiceDefinition(id, "redis:7") { Ports = ["6379"], Options = "--health-cmd \"echo not ready yet; exit 1\" --health-interval 50ms --health-retries 2" }],
            log.Add,
            TestContext.Current.CancellationToken);
        Assert.False(result.Succeeded);
        Assert.Contains($"service '{id}' (redis:7) is unhealthy", result.Error, StringComparison.Ordinal);
        Assert.Contains("failed 2 times in a row (--health-retries 2)", result.Error, StringComparison.Ordinal);
        Assert.Contains("last output: not ready yet", result.Error, StringComparison.Ordinal);
        Assert.Empty(Directory.GetDirectories(Path.GetTempPath(), $"catalytic-svc-{id}-*"));
    }

    [Fact]
    public async Task StartAsync_health_cmd_over_its_timeout_counts_as_a_failure()
    {
        var result = await new JobServiceStarter(new JobServiceOptions { Time = Catalytic.Testing.Waiting.RealTime.Clock }).StartAsync(
            [new ServiceDefinition("slow" + Guid.NewGuid().ToString("N")[..6], "redis:7") { Options = "--health-cmd 'sleep 5' --health-timeout 200ms --health-interval 10ms --health-retries 1" }],
            _ => { },
            TestContext.Current.CancellationToken);
        Assert.False(result.Succeeded);
        Assert.Contains("timed out after 0.2s (--health-timeout)", result.Error, StringComparison.Ordinal);
    }
}
