using System.Diagnostics;

namespace Catalytic.Cli.Commands.Demo;

/// <summary>`catalytic serve` run by the demo in its repository, with its output in a log file.</summary>
internal sealed class DemoServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly TimeProvider _time;
    private bool _stopped;

    private DemoServer(Process process, StreamWriter log, string logFile, TimeProvider time)
    {
        _time = time;
        _process = process;
        _log = log;
        LogFile = logFile;
    }

    public string LogFile { get; }

    public static async Task<DemoServer> StartAsync(string work, string logFile, Narrator narrator, TimeProvider time, CancellationToken ct)
    {
        narrator.Step("The platform: catalytic serve");
        var log = new StreamWriter(logFile, append: false) { AutoFlush = true };
        var process = Process.Start(SelfProcess.StartInfo(SelfProcess.Executable, ["serve"], work))!;
        process.StandardInput.Close();
        var gate = new object();
        void Pump(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (gate)
            {
                log.WriteLine(line);
            }
        }

        process.OutputDataReceived += (_, e) => Pump(e.Data);
        process.ErrorDataReceived += (_, e) => Pump(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new DemoServer(process, log, logFile, time);

        var started = time.GetTimestamp();
        while (true)
        {
            if (process.HasExited)
            {
                await server.DisposeAsync();
                throw new InvalidOperationException($"catalytic serve exited with code {process.ExitCode}; its log: {logFile}");
            }

            if (await DemoDelivery.IsServingAsync(Path.Combine(work, ".catalytic"), time, ct))
            {
                break;
            }

            if (time.GetElapsedTime(started) > TimeSpan.FromSeconds(60))
            {
                await server.DisposeAsync();
                throw new InvalidOperationException($"catalytic serve did not answer within 60 s; its log: {logFile}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), time, ct);
        }

        narrator.Say($"serving from {work}/.catalytic (SQLite state, edge listeners for staging and production, API on 127.0.0.1) in {DemoCommand.Format(time.GetElapsedTime(started))}; log: {logFile}");
        return server;
    }

    /// <summary>SIGTERM, so the server drains and stops its instances; SIGKILL of the tree if it does not end in 30 s.</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        if (!_process.HasExited)
        {
            Signals.Terminate(_process.Id);
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(30), _time);
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(CancellationToken.None);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
        await _log.DisposeAsync();
    }
}
