using System.Diagnostics;
using System.Text;

namespace Catalytic.Cli.Commands.Demo;

/// <summary>Runs this same catalytic binary (or another program) as a child process, captured or streamed.</summary>
internal static class SelfProcess
{
    /// <summary>The catalytic executable that is running now.</summary>
    public static string Executable => Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell where catalytic runs from");

    public static ProcessStartInfo StartInfo(string fileName, IEnumerable<string> args, string workingDirectory)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        return psi;
    }

    /// <summary>Runs to the end and returns the exit code with stdout and stderr.</summary>
    public static async Task<(int Exit, string Out, string Err)> CaptureAsync(string fileName, IEnumerable<string> args, string cwd, CancellationToken ct)
    {
        using var p = Process.Start(StartInfo(fileName, args, cwd))!;
        p.StandardInput.Close();
        var o = p.StandardOutput.ReadToEndAsync(ct);
        var e = p.StandardError.ReadToEndAsync(ct);
        try
        {
            await p.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw;
        }

        return (p.ExitCode, await o, await e);
    }

    /// <summary>Runs to the end, writing each output line through <paramref name="onLine"/>.</summary>
    public static async Task<int> StreamAsync(string fileName, IEnumerable<string> args, string cwd, Action<string> onLine, CancellationToken ct)
    {
        using var p = Process.Start(StartInfo(fileName, args, cwd))!;
        p.StandardInput.Close();
        async Task Pump(StreamReader r)
        {
            while (await r.ReadLineAsync(CancellationToken.None) is { } line)
            {
                onLine(line);
            }
        }

        var pumps = Task.WhenAll(Pump(p.StandardOutput), Pump(p.StandardError));
        try
        {
            await p.WaitForExitAsync(ct);
        }
        catch (OperationCanceledException)
        {
            // Let the child cancel itself (it runs always() steps and stops its processes), then wait for it.
            Signals.Interrupt(p.Id);
            await p.WaitForExitAsync(CancellationToken.None);
        }

        await pumps;
        return p.ExitCode;
    }

    /// <summary>Runs to the end with the output written to <paramref name="logFile"/>.</summary>
    public static async Task<int> LoggedAsync(string fileName, IEnumerable<string> args, string cwd, string logFile, CancellationToken ct)
    {
        await using var log = new StreamWriter(logFile, append: true, Encoding.UTF8) { AutoFlush = true };
        var gate = new object();
        return await StreamAsync(fileName, args, cwd, line =>
        {
            lock (gate)
            {
                log.WriteLine(line);
            }
        }, ct);
    }
}

/// <summary>POSIX signals to children, through Platform's kill(2) so the CLI declares no native interop of its own.</summary>
internal static class Signals
{
    public static void Interrupt(int pid) => Catalytic.Platform.Linux.ProcessGroups.SignalProcess(pid, Catalytic.Platform.Linux.ProcessGroups.SigInt);

    public static void Terminate(int pid) => Catalytic.Platform.Linux.ProcessGroups.SignalProcess(pid, Catalytic.Platform.Linux.ProcessGroups.SigTerm);
}
