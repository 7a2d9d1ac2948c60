using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Catalytic.Contracts.Alerts;
using Catalytic.Contracts.Checks;
using Catalytic.Contracts.Json;
using Catalytic.Testing.Processes;
using Catalytic.Testing.Waiting;

namespace Catalytic.Status.Tests.Support;

/// <summary>The real `catalytic serve` (the CLI built beside the sources) in a folder of its own, and the CLI verbs against it.</summary>
public sealed class ServeProcess : IAsyncDisposable
{
    private readonly StringBuilder _output = new();
    private Process? _process;

    public ServeProcess(string folder) => Folder = folder;

    public string Folder { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static string Dll()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Catalytic.slnx")))
        {
            dir = dir.Parent;
        }

        var configuration = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
        var dll = Path.Combine(dir!.FullName, "src", "Catalytic.Cli", "bin", configuration, "net10.0", "catalytic.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing; build src/Catalytic.Cli");
        return dll;
    }

    public async Task StartAsync()
    {
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = Folder, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Dll());
        psi.ArgumentList.Add("serve");
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await Ports.WaitAsync(() => Task.FromResult(Output.Contains("API on", StringComparison.Ordinal) || _process.HasExited), "catalytic serve started");
        Assert.False(_process.HasExited, "serve exited:\n" + Output);
    }

    /// <summary>SIGKILL: no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        _process!.Kill();
        await Eventually.CompletesAsync(_process.WaitForExitAsync(), "catalytic serve to die of SIGKILL\n" + Output);
    }

    /// <summary>Runs a verb to its end (bounded by the shared deadline: a verb that never ends fails the test, naming it).</summary>
    public async Task<(int Code, string Out, string Err)> CliAsync(params string[] args)
    {
        var r = await CatalyticProcess.RunAsync(Folder, args);
        return (r.Code, r.Out, r.Err);
    }

    public async Task<IReadOnlyList<CheckView>> ChecksAsync()
    {
        var (code, o, e) = await CliAsync("checks", "--json");
        Assert.True(code is 0 or 1, e);
        return JsonSerializer.Deserialize(o, ApiJson.Default.IReadOnlyListCheckView)!;
    }

    public async Task<IReadOnlyList<NotificationView>> NotificationsAsync()
    {
        var (code, o, e) = await CliAsync("notifications", "--json");
        Assert.True(code is 0 or 1, e);
        return JsonSerializer.Deserialize(o, ApiJson.Default.IReadOnlyListNotificationView)!;
    }

    public async Task<IReadOnlyList<AlertView>> AlertsAsync()
    {
        var (code, o, e) = await CliAsync("alerts", "--json");
        Assert.True(code == 0, e);
        return JsonSerializer.Deserialize(o, ApiJson.Default.IReadOnlyListAlertView)!;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await Eventually.CompletesAsync(_process.WaitForExitAsync(), "catalytic serve to die of SIGKILL\n" + Output);
        }

        _process?.Dispose();
    }
}
