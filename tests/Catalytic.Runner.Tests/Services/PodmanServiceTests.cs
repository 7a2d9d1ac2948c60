using System.Net.Http;
using Catalytic.Runner.Services;

namespace Catalytic.Runner.Tests.Services;

/// <summary>Services of other images through the real podman, with the local busybox test image.</summary>
public sealed class PodmanServiceTests
{
    private static string NewId() => "web" + Guid.NewGuid().ToString("N")[..8];

    private static async Task<string> GetAsync(int port, string path)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(2) }; // a hang guard, not a speed bound
        return await http.GetStringAsync($"http://127.0.0.1:{port}{path}", TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task StartAsync_LocalImage_PublishesPortOnLoopbackWithEnvAndVolumeThenRemovesContainer()
    {
        await PodmanTestImage.EnsureAsync();
        var id = NewId();
        var shared = Directory.CreateTempSubdirectory("catalytic-vol-").FullName;
        await File.WriteAllTextAsync(Path.Combine(shared, "hello.txt"), "from the host\n", TestContext.Current.CancellationToken);
        var log = new List<string>();
        try
        {
            var result = await new JobServiceStarter(new JobServiceOptions { Time = Catalytic.Testing.Waiting.RealTime.Clock }).StartAsync(
                [new ServiceDefinition(id, PodmanTestImage.Name)
                {
                    Env = new Dictionary<string, string> { ["GREETING"] = "hello from env", ["TOKEN"] = "s3cr3t-value" },
                    Ports = ["80"],
                    Volumes = [$"{shared}:/var/www/shared:ro"],
                }],
                log.Add,
                TestContext.Current.CancellationToken);

            Assert.True(result.Succeeded, result.Error);
            await using (var services = result.Services!)
            {
                var service = services.Services[id];
                Assert.Equal("podman", service.Kind);
                Assert.Equal("127.0.0.1", service.Host);
                Assert.NotEmpty(service.ContainerId);
                var port = int.Parse(service.Ports["80"]);
                Assert.NotEqual(80, port);
                var ports = (IReadOnlyDictionary<string, string>)services.ToContext()[id]["ports"];
                Assert.Equal(port.ToString(), ports["80"]);

                var env = await GetAsync(port, "/env.txt");
                Assert.Contains("GREETING=hello from env", env);
                Assert.Equal("from the host\n", await GetAsync(port, "/shared/hello.txt"));
                Assert.Single(PodmanTestImage.Containers("service", id));
            }

            Assert.Empty(PodmanTestImage.Containers("service", id));
            Assert.Contains(log, l => l.Contains($"service '{id}': {PodmanTestImage.Name} running in podman", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(shared, true);
        }
    }

    [Fact]
    public async Task StartAsync_PodmanLosesTheHostPortItChose_TriesAgain_AndTheServiceStarts()
    {
        await PodmanTestImage.EnsureAsync();
        var id = NewId();
        using var dir = new Catalytic.Runner.Tests.Actions.TempDir();
        // The race as podman reports it (x32: three suites on 2 cores): its first `run` finds the port it chose taken.
        var wrapper = dir.Combine("podman");
        await File.WriteAllTextAsync(wrapper, $$"""
            #!/bin/sh
            if [ "$1" = run ] && [ ! -e '{{dir.Combine("lost")}}' ]; then
              touch '{{dir.Combine("lost")}}'
              echo 'Error: cannot listen on the TCP port: listen tcp4 127.0.0.1:45709: bind: address already in use' >&2
              exit 126
            fi
            exec podman "$@"
            """, TestContext.Current.CancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var log = new List<string>();
        var result = await new JobServiceStarter(new JobServiceOptions { Time = Catalytic.Testing.Waiting.RealTime.Clock, Podman = wrapper }).StartAsync(
            [new ServiceDefinition(id, PodmanTestImage.Name) { Ports = ["80"], Env = new Dictionary<string, string> { ["GREETING"] = "after the race" } }], log.Add, TestContext.Current.CancellationToken);

        Assert.True(result.Succeeded, result.Error + "\n" + string.Join("\n", log));
        await using (var services = result.Services!)
        {
            Assert.Contains("GREETING=after the race", await GetAsync(int.Parse(services.Services[id].Ports["80"]), "/env.txt"));
        }

        Assert.Contains(log, l => l.Contains($"service '{id}': podman's chosen host port was taken before podman bound it", StringComparison.Ordinal) && l.Contains("(2 of 3)", StringComparison.Ordinal));
        Assert.Empty(PodmanTestImage.Containers("service", id));
    }

    [Theory]
    [InlineData(new[] { "80" }, "listen tcp4 127.0.0.1:45709: bind: address already in use", true)]
    [InlineData(new[] { "80", "443" }, "bind: Address already in use", true)]
    [InlineData(new[] { "8080:80" }, "listen tcp4 127.0.0.1:8080: bind: address already in use", false)] // a port the workflow named
    [InlineData(new[] { "80", "8443:443" }, "bind: address already in use", false)]
    [InlineData(new[] { "80" }, "image not known", false)]
    [InlineData(new string[0], "bind: address already in use", false)]
    public void PodmanLostItsPort_OnlyForPortsPodmanChose_AndOnlyForAddressInUse(string[] ports, string error, bool retried) =>
        Assert.Equal(retried, PodmanService.PodmanLostItsPort(error, [.. ports.Select(p => (PortMapping.Parse(p, out _)!, p))]));

    [Fact]
    public async Task StartAsync_HealthCmd_WaitsInsideTheContainerUntilItPasses()
    {
        await PodmanTestImage.EnsureAsync();
        var id = NewId();
        var probe = Directory.CreateTempSubdirectory("catalytic-probe-").FullName;
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        try
        {
            var start = new JobServiceStarter(new JobServiceOptions { Time = Catalytic.Testing.Waiting.RealTime.Clock }).StartAsync(
                [new ServiceDefinition(id, PodmanTestImage.Name)
                {
                    Ports = ["80"],
                    Volumes = [$"{probe}:/probe"],
                    Options = "--health-cmd \"test -f /probe/ready\" --health-interval 200ms --health-timeout 2s --health-retries 50",
                }],
                log.Enqueue,
                TestContext.Current.CancellationToken);

            // Ready only once a check has failed: the start must have been waiting for it.
            await Eventually.Until(() => log.Any(l => l.Contains("health check failed", StringComparison.Ordinal)) || start.IsCompleted, "a failed health check (or the start's end)");

            await File.WriteAllTextAsync(Path.Combine(probe, "ready"), "", TestContext.Current.CancellationToken);
            var result = await start;

            Assert.True(result.Succeeded, result.Error);
            await result.Services!.DisposeAsync();
            Assert.Contains(log, l => l.Contains($"service '{id}': healthy (--health-cmd test -f /probe/ready passed on attempt", StringComparison.Ordinal));
            Assert.Empty(PodmanTestImage.Containers("service", id));
        }
        finally
        {
            Directory.Delete(probe, true);
        }
    }

    [Fact]
    public async Task StartAsync_HealthCmdNeverPasses_FailsNamingServiceAndRemovesContainer()
    {
        await PodmanTestImage.EnsureAsync();
        var id = NewId();

        var result = await new JobServiceStarter(new JobServiceOptions { Time = Catalytic.Testing.Waiting.RealTime.Clock }).StartAsync(
            [new ServiceDefinition(id, PodmanTestImage.Name) { Options = "--health-cmd 'echo not yet; false' --health-interval 100ms --health-retries 2" }],
            _ => { },
            TestContext.Current.CancellationToken);

        Assert.False(result.Succeeded);
        Assert.Contains($"service '{id}' ({PodmanTestImage.Name}) is unhealthy", result.Error);
        Assert.Contains("not yet", result.Error);
        Assert.Empty(PodmanTestImage.Containers("service", id));
    }

    [Fact]
    public async Task StartAsync_ImageNotInLocalStore_FailsSayingHowToGetIt()
    {
        await PodmanTestImage.EnsureAsync();
        var id = NewId();

        var result = await new JobServiceStarter(new JobServiceOptions { Time = Catalytic.Testing.Waiting.RealTime.Clock }).StartAsync(
            [new ServiceDefinition(id, "localhost/catalytic-test/absent:1") { Ports = ["80"] }], _ => { }, TestContext.Current.CancellationToken);

        Assert.False(result.Succeeded);
        Assert.Contains($"service '{id}': image localhost/catalytic-test/absent:1 is not in podman's local store", result.Error);
        Assert.Contains("podman load -i", result.Error);
        Assert.Contains("podman build -t localhost/catalytic-test/absent:1", result.Error);
        Assert.Empty(PodmanTestImage.Containers("service", id));
    }

    [Fact]
    public async Task StartAsync_ContainerExitsAtOnce_FailsWithItsLogInsteadOfWaiting()
    {
        await PodmanTestImage.EnsureAsync();
        var id = NewId();

        // Not the health budget running out: the container's exit is noticed and its log is the error.
        var result = await new JobServiceStarter(new JobServiceOptions { Time = Catalytic.Testing.Waiting.RealTime.Clock }).StartAsync(
            [new ServiceDefinition(id, PodmanTestImage.Name) { Ports = ["80"], Options = "--entrypoint '[\"sh\", \"-c\", \"echo broken config; exit 3\"]'" }],
            _ => { },
            TestContext.Current.CancellationToken);

        Assert.False(result.Succeeded);
        Assert.Contains("exited before it accepted connections", result.Error);
        Assert.Contains("broken config", result.Error);
        Assert.Empty(PodmanTestImage.Containers("service", id));
    }

    [Fact]
    public async Task StartAsync_CancelledWhileWaiting_LeavesNoContainer()
    {
        await PodmanTestImage.EnsureAsync();
        var id = NewId();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var start = new JobServiceStarter(new JobServiceOptions { Time = Catalytic.Testing.Waiting.RealTime.Clock }).StartAsync(
            [new ServiceDefinition(id, PodmanTestImage.Name) { Options = "--health-cmd false --health-interval 100ms --health-retries 1000" }],
            log.Enqueue,
            cts.Token);
        await Eventually.Until(() => log.Any(l => l.Contains("health check failed", StringComparison.Ordinal)) || start.IsCompleted, "a failed health check (or the start's end)");

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => start);
        Assert.Empty(PodmanTestImage.Containers("service", id));
    }

    [Fact]
    public async Task StartAsync_ContainerOfADeadRunner_IsRemovedBeforeTheNextStart()
    {
        await PodmanTestImage.EnsureAsync();
        var strayId = NewId();

        // What a runner killed with SIGKILL leaves: a container labelled with a process id that no longer exists.
        using (var dead = System.Diagnostics.Process.Start("true"))
        {
            await Catalytic.Testing.Waiting.Eventually.CompletesAsync(dead.WaitForExitAsync(TestContext.Current.CancellationToken), "true to exit");
            await Catalytic.Testing.Processes.ProcessRun.RunAsync(new System.Diagnostics.ProcessStartInfo("podman", ["create", "--label", $"catalytic.service={strayId}", "--label", $"catalytic.pid={dead.Id}", PodmanTestImage.Name]));
        }

        Assert.Single(PodmanTestImage.Containers("service", strayId));
        var id = NewId();
        var result = await new JobServiceStarter(new JobServiceOptions { Time = Catalytic.Testing.Waiting.RealTime.Clock }).StartAsync([new ServiceDefinition(id, PodmanTestImage.Name) { Ports = ["80"] }], _ => { }, TestContext.Current.CancellationToken);
        Assert.True(result.Succeeded, result.Error);
        await result.Services!.DisposeAsync();

        Assert.Empty(PodmanTestImage.Containers("service", strayId));
    }
}
