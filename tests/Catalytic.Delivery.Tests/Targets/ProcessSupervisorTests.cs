using System.Diagnostics;
using Catalytic.Delivery.Config;
using Catalytic.Delivery.Targets;
using Catalytic.Platform.Linux;
using Catalytic.Testing.Apps;
using Catalytic.Testing.Files;
using Catalytic.Testing.Processes;
using Catalytic.Testing.Time;
using Catalytic.Testing.Waiting;
using Microsoft.Extensions.Time.Testing;

namespace Catalytic.Delivery.Tests.Targets;

/// <summary>
/// The supervisor with real processes on a fake clock: restart with backoff (the backoffs are the clock's, so their
/// sequence is exact), and stopping the whole process group (SIGKILL after the stop timeout of the clock).
/// </summary>
public sealed class ProcessSupervisorTests : IAsyncLifetime
{
    private readonly TempFolder _dir = new("supervisor");
    private readonly FakeTimeProvider _clock = new();
    private readonly ProcessSupervisor _supervisor;

    public ProcessSupervisorTests() => _supervisor = new ProcessSupervisor(_dir[".catalytic"], _clock, MaskStage.Command);

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        await _clock.AdvanceWhileAsync(_supervisor.DisposeAsync().AsTask(), "the supervisor to stop its instances");
        _dir.Dispose();
    }

    private Task<bool> HealthyAsync(Instance instance) =>
        _clock.AdvanceWhileAsync(instance.WaitHealthyAsync(TimeSpan.FromMinutes(10), TestContext.Current.CancellationToken), $"instance {instance.Id} to be healthy or give up");

    private Task StopAsync(Instance instance) => _clock.AdvanceWhileAsync(_supervisor.StopAsync(instance), $"instance {instance.Id} to stop");

    [Fact]
    public async Task Instance_CrashingThenKilled_IsRestartedWithGrowingBackoffThatResetsOnceHealthy()
    {
        // Exits with 3 on its first three starts, then serves.
        var instance = Start("n=$(cat starts 2>/dev/null || echo 0); echo $((n+1)) > starts; [ \"$n\" -ge 3 ] || exit 3; exec python3 app.py");

        Assert.True(await HealthyAsync(instance), File.ReadAllText(instance.LogPath));
        Assert.Equal(3, instance.Restarts);
        Assert.Equal(["250ms", "500ms", "1s"], Backoffs(instance));

        var pid = instance.Pid;
        Assert.True(pid > 1);
        Kill(-pid, 9); // the whole group, as an OOM killer or a person would
        await _clock.AdvanceUntilAsync(() => instance.Restarts >= 4 && instance.Health == InstanceHealth.Healthy,
            () => $"not restarted: {instance.Health}, {instance.Restarts} restart(s)");

        Assert.NotEqual(pid, instance.Pid);
        Assert.Equal(["250ms", "500ms", "1s", "250ms"], Backoffs(instance)); // healthy in between: back to the shortest
        using var http = new HttpClient();
        Assert.StartsWith("v1", await http.GetStringAsync(instance.Address), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stop_AppWithAChildIgnoringSigterm_EndsTheWholeProcessGroup()
    {
        var instance = Start("sh -c 'trap \"\" TERM; echo $$ > child.pid; exec sleep 300' & exec python3 app.py", stopTimeout: TimeSpan.FromSeconds(1));
        Assert.True(await HealthyAsync(instance));
        var child = int.Parse(File.ReadAllText(_dir["app/child.pid"]).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var main = instance.Pid;
        Assert.True(IsRunning(child) && IsRunning(main));

        await StopAsync(instance);

        Assert.Equal(InstanceHealth.Stopped, instance.Health);
        await Eventually.UntilAsync(() => !IsRunning(child) && !IsRunning(main),
            () => $"left running: {(IsRunning(child) ? $"child {child} " : "")}{(IsRunning(main) ? $"main {main}" : "")}");

        Assert.Empty(_supervisor.Instances);
    }

    [Fact]
    public async Task Start_AppPrintingASecret_LogFileOnDiskHoldsTheMaskWhileItRunsAndNeverTheValue()
    {
        const string Secret = "pa55-w0rd-9137";
        // The value whole, then split across two writes of one line, then from a request while it runs.
        var instance = Start("printf 'token %s\\n' \"$GREETING\"; printf 'split %s' \"${GREETING%%-*}\"; sleep 0.2; printf -- '-%s end\\n' \"${GREETING#*-}\"; exec python3 app.py",
            secrets: new Dictionary<string, string> { ["GREETING"] = Secret });
        Assert.True(await HealthyAsync(instance), File.ReadAllText(instance.LogPath));

        using var http = new HttpClient();
        Assert.EndsWith(Secret, (await http.GetStringAsync(instance.Address)).Trim(), StringComparison.Ordinal); // the app has the value
        (await http.GetAsync(new Uri(instance.Address, $"echo/{Secret}-now"))).Dispose();
        // In the log while the app runs (the stage writes each line as it ends, not at exit).
        await Eventually.UntilAsync(() => File.ReadAllText(instance.LogPath).Contains("echo ***-now", StringComparison.Ordinal),
            () => "the printed line in the log of the running app:\n" + File.ReadAllText(instance.LogPath));
        Assert.NotEqual(InstanceHealth.Stopped, instance.Health);

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
        Assert.True(await HealthyAsync(instance), File.ReadAllText(instance.LogPath));
        var pgid = instance.Pid;
        Assert.Contains(ProcessGroups.Members(pgid), pid => ProcessGroups.CommandLine(pid) is [.., MaskStage.Verb]);

        await StopAsync(instance);

        var log = File.ReadAllText(instance.LogPath);
        Assert.EndsWith("bye ***", log, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, log, StringComparison.Ordinal);
        await Eventually.UntilAsync(() => ProcessGroups.Members(pgid).Count == 0, () => "left running: " + string.Join(", ", ProcessGroups.Members(pgid)));
    }

    private Instance Start(string run, TimeSpan? stopTimeout = null, Dictionary<string, string>? secrets = null)
    {
        var app = _dir["app"];
        Directory.CreateDirectory(app);
        File.WriteAllText(Path.Combine(app, "app.py"), TestApp.Source);
        File.WriteAllText(Path.Combine(app, "VERSION"), "v1");
        var spec = new InstanceSpec("web", "production", "v1", app, run, secrets ?? [], [.. (secrets ?? []).Values],
            new HealthConfig { Path = "/healthz", Interval = TimeSpan.FromMilliseconds(100), Timeout = TimeSpan.FromMinutes(1) }, stopTimeout ?? TimeSpan.FromSeconds(2),
            Path.Combine(_supervisor.LogDirectory("web", "production"), "v1-test.log"));
        return _supervisor.Start(spec);
    }

    private static List<string> Backoffs(Instance instance) =>
        [.. File.ReadAllLines(instance.LogPath).Where(l => l.StartsWith("[catalytic] instance exited", StringComparison.Ordinal)).Select(l => l[(l.LastIndexOf(' ') + 1)..])];

    private static void Kill(int pid, int signal) => ProcessGroups.Signal(Math.Abs(pid), signal);

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
