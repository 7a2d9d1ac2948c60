using System.Diagnostics;
using Catalytic.Delivery.Config;
using Catalytic.Delivery.Targets;
using Catalytic.Delivery.Tests.Support;
using Catalytic.Platform.Linux;

namespace Catalytic.Delivery.Tests.Targets;

/// <summary>The supervisor with real processes: restart with backoff, and stopping the whole process group.</summary>
public sealed class ProcessSupervisorTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("catalytic-supervisor-").FullName;
    private readonly ProcessSupervisor _supervisor;

    public ProcessSupervisorTests() => _supervisor = new ProcessSupervisor(Path.Combine(_dir, ".catalytic"), TimeProvider.System, CatalyticCli.MaskCommand);

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        await _supervisor.DisposeAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task Instance_CrashingThenKilled_IsRestartedWithGrowingBackoffThatResetsOnceHealthy()
    {
        // Exits with 3 on its first three starts, then serves.
        var instance = Start("n=$(cat starts 2>/dev/null || echo 0); echo $((n+1)) > starts; [ \"$n\" -ge 3 ] || exit 3; exec python3 app.py");

        Assert.True(await instance.WaitHealthyAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken), File.ReadAllText(instance.LogPath));
        Assert.Equal(3, instance.Restarts);
        Assert.Equal(["250ms", "500ms", "1s"], Backoffs(instance));

        var pid = instance.Pid;
        Assert.True(pid > 1);
        Kill(-pid, 9); // the whole group, as an OOM killer or a person would
        var clock = Stopwatch.StartNew();
        while (instance.Restarts < 4 || instance.Health != InstanceHealth.Healthy)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"not restarted: {instance.Health}, {instance.Restarts} restart(s)");
            await Task.Delay(20);
        }

        Assert.NotEqual(pid, instance.Pid);
        Assert.Equal(["250ms", "500ms", "1s", "250ms"], Backoffs(instance)); // healthy in between: back to the shortest
        using var http = new HttpClient();
        Assert.StartsWith("v1", await http.GetStringAsync(instance.Address), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stop_AppWithAChildIgnoringSigterm_EndsTheWholeProcessGroup()
    {
        var instance = Start("sh -c 'trap \"\" TERM; echo $$ > child.pid; exec sleep 300' & exec python3 app.py", stopTimeout: TimeSpan.FromSeconds(1));
        Assert.True(await instance.WaitHealthyAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken));
        var child = int.Parse(File.ReadAllText(Path.Combine(_dir, "app", "child.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var main = instance.Pid;
        Assert.True(IsRunning(child) && IsRunning(main));

        await _supervisor.StopAsync(instance);

        Assert.Equal(InstanceHealth.Stopped, instance.Health);
        var clock = Stopwatch.StartNew();
        while (IsRunning(child) || IsRunning(main))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"left running: {(IsRunning(child) ? $"child {child} " : "")}{(IsRunning(main) ? $"main {main}" : "")}");
            await Task.Delay(20);
        }

        Assert.Empty(_supervisor.Instances);
    }

    [Fact]
    public async Task Start_AppPrintingASecret_LogFileOnDiskHoldsTheMaskPromptlyAndNeverTheValue()
    {
        const string Secret = "pa55-w0rd-9137";
        // The value whole, then split across two writes of one line, then from a request while it runs.
        var instance = Start("printf 'token %s\\n' \"$GREETING\"; printf 'split %s' \"${GREETING%%-*}\"; sleep 0.2; printf -- '-%s end\\n' \"${GREETING#*-}\"; exec python3 app.py",
            secrets: new Dictionary<string, string> { ["GREETING"] = Secret });
        Assert.True(await instance.WaitHealthyAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken), File.ReadAllText(instance.LogPath));

        using var http = new HttpClient();
        Assert.EndsWith(Secret, (await http.GetStringAsync(instance.Address)).Trim(), StringComparison.Ordinal); // the app has the value
        var clock = Stopwatch.StartNew();
        (await http.GetAsync(new Uri(instance.Address, $"echo/{Secret}-now"))).Dispose();
        while (!File.ReadAllText(instance.LogPath).Contains("echo ***-now", StringComparison.Ordinal))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), "not in the log a second after it was printed:\n" + File.ReadAllText(instance.LogPath));
            await Task.Delay(10);
        }

        var log = File.ReadAllText(instance.LogPath);
        Assert.Contains("token ***\n", log, StringComparison.Ordinal);
        Assert.Contains("split *** end\n", log, StringComparison.Ordinal);
        Assert.Contains("greeting ***\n", log, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, log, StringComparison.Ordinal);
        Assert.DoesNotContain("pa55", log, StringComparison.Ordinal);

        // No command line holds the value, and the app's own environment does not hold the stage's variable.
        foreach (var dir in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
        {
            string cmdline;
            try
            {
                cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
            }
            catch (IOException)
            {
                continue;
            }

            Assert.DoesNotContain(Secret, cmdline, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(LogMasker.SecretsVariable, File.ReadAllText($"/proc/{instance.Pid}/environ"), StringComparison.Ordinal);
        Assert.Contains(Secret, File.ReadAllText($"/proc/{instance.Pid}/environ"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stop_AppPrintingOnSigterm_LastLinesReachTheLogMaskedAndTheWholeGroupEnds()
    {
        const string Secret = "goodbye-secret-77";
        // The app's shell answers SIGTERM with a partial last line holding the secret, right before it exits, while a child
        // that ignores SIGTERM keeps the output pipe open: the line is only complete once that child is gone too.
        var instance = Start("(trap '' TERM; exec sleep 300) & trap 'printf \"bye %s\" \"$GREETING\"; exit 0' TERM; python3 app.py & wait",
            stopTimeout: TimeSpan.FromSeconds(1), secrets: new Dictionary<string, string> { ["GREETING"] = Secret });
        Assert.True(await instance.WaitHealthyAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken), File.ReadAllText(instance.LogPath));
        var pgid = instance.Pid;
        Assert.Contains(ProcessGroups.Members(pgid), pid => ProcessGroups.CommandLine(pid) is [.., CatalyticCli.MaskVerb]);

        await _supervisor.StopAsync(instance);

        var log = File.ReadAllText(instance.LogPath);
        Assert.EndsWith("bye ***", log, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, log, StringComparison.Ordinal);
        var clock = Stopwatch.StartNew();
        while (ProcessGroups.Members(pgid).Count > 0)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), "left running: " + string.Join(", ", ProcessGroups.Members(pgid)));
            await Task.Delay(20);
        }
    }

    private Instance Start(string run, TimeSpan? stopTimeout = null, Dictionary<string, string>? secrets = null)
    {
        var app = Path.Combine(_dir, "app");
        Directory.CreateDirectory(app);
        File.WriteAllText(Path.Combine(app, "app.py"), TestApp.Source);
        File.WriteAllText(Path.Combine(app, "VERSION"), "v1");
        var spec = new InstanceSpec("web", "production", "v1", app, run, secrets ?? [], [.. (secrets ?? []).Values],
            new HealthConfig { Path = "/healthz", Interval = TimeSpan.FromMilliseconds(100) }, stopTimeout ?? TimeSpan.FromSeconds(2),
            Path.Combine(_supervisor.LogDirectory("web", "production"), "v1-test.log"));
        return _supervisor.Start(spec);
    }

    private static List<string> Backoffs(Instance instance) =>
        [.. File.ReadAllLines(instance.LogPath).Where(l => l.StartsWith("[catalytic] instance exited", StringComparison.Ordinal)).Select(l => l[(l.LastIndexOf(' ') + 1)..])];

    private static void Kill(int pid, int signal)
    {
        using var p = Process.Start("kill", [$"-{signal}", "--", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        p.WaitForExit();
    }

    /// <summary>True while <paramref name="pid"/> runs; a zombie (not reaped by a container's PID 1) counts as gone.</summary>
    internal static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0] is not ("Z" or "X");
        }
        catch (IOException)
        {
            return false;
        }
    }
}
