using System.Diagnostics;
using Catalytic.Testing.Waiting;

namespace Catalytic.Testing.Processes;

/// <summary>
/// Runs a helper program a test needs (git, podman, promtool, a shell) to its end, with its output, bounded by a
/// deadline: a program that never ends, or a child of it that keeps its output pipes open after it ended, fails the
/// test naming the command (and is killed) instead of hanging the test run. The deadline is a hang guard, not a speed
/// bound.
/// </summary>
public static class ProcessRun
{
    /// <summary>Runs <paramref name="psi"/> (its output redirected here); <paramref name="stdin"/>, when given, is written and closed.</summary>
    public static async Task<Result> RunAsync(ProcessStartInfo psi, string? stdin = null, TimeSpan? deadline = null)
    {
        psi.UseShellExecute = false;
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.RedirectStandardInput = stdin is not null;
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"{psi.FileName} did not start");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        var what = $"{psi.FileName} {(psi.ArgumentList.Count > 0 ? string.Join(' ', psi.ArgumentList) : psi.Arguments)}".Trim();
        try
        {
            if (stdin is not null)
            {
                await Eventually.CompletesAsync(p.StandardInput.WriteAsync(stdin), $"{what} to read its input", deadline);
                p.StandardInput.Close();
            }

            // Its output's end too: a child that outlived it with the pipes open would hang the reads after the exit.
            await Eventually.CompletesAsync(Task.WhenAll(p.WaitForExitAsync(), stdout, stderr), $"{what} to exit and close its output", deadline);
        }
        catch (ConditionNotMetException)
        {
            Kill(p);
            throw;
        }

        return new Result(p.ExitCode, await stdout, await stderr);
    }

    /// <summary>As <see cref="RunAsync"/>, for set-up code that cannot be asynchronous (a constructor).</summary>
    public static Result Run(ProcessStartInfo psi, string? stdin = null, TimeSpan? deadline = null) =>
        RunAsync(psi, stdin, deadline).GetAwaiter().GetResult();

    private static void Kill(Process p)
    {
        try
        {
            p.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <summary>How a program ended.</summary>
    public sealed record Result(int Code, string Out, string Err)
    {
        /// <inheritdoc/>
        public override string ToString() => $"exit {Code}\nstdout:\n{Out}\nstderr:\n{Err}";
    }
}
