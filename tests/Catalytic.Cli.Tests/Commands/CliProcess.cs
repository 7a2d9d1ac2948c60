using System.Collections.Concurrent;
using System.Diagnostics;
using Catalytic.Testing.Waiting;

namespace Catalytic.Cli.Tests.Commands;

/// <summary>The real `catalytic` CLI as a child process (the test's build output holds catalytic.dll), output collected as it comes.</summary>
internal sealed class CliProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    public CliProcess(string workingDirectory, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "catalytic.dll"));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        _process = new Process { StartInfo = psi };
        _process.OutputDataReceived += (_, e) => Add(e.Data);
        _process.ErrorDataReceived += (_, e) => Add(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output => string.Join("\n", _lines);

    private void Add(string? line)
    {
        if (line is not null)
        {
            _lines.Enqueue(line);
        }
    }

    /// <summary>Waits until a line contains <paramref name="text"/>; fails with the output so far after <paramref name="timeout"/>.</summary>
    public async Task WaitForLineAsync(string text, TimeSpan timeout)
    {
        var clock = RealTime.Clock;
        var started = clock.GetTimestamp();
        while (!_lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
        {
            Assert.False(clock.GetElapsedTime(started) > timeout, $"no line with '{text}' within {timeout}:\n{Output}");
            Assert.False(_process.HasExited && await DrainedWithinAsync(TimeSpan.FromMilliseconds(200)) && !_lines.Any(l => l.Contains(text, StringComparison.Ordinal)), $"exited without '{text}':\n{Output}");
            await Task.Delay(TimeSpan.FromMilliseconds(20), clock, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>True once the exited process's output readers have drained, false when they have not within <paramref name="limit"/>.</summary>
    private async Task<bool> DrainedWithinAsync(TimeSpan limit)
    {
        try
        {
            await _process.WaitForExitAsync(TestContext.Current.CancellationToken).WaitAsync(limit, RealTime.Clock);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    public async Task<int> ExitCodeAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout, RealTime.Clock);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken, deadline.Token);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"still running after {timeout}:\n{Output}");
        }

        // WaitForExitAsync has drained the asynchronous readers too: the output is complete.
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }
}
