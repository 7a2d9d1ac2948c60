using System.Diagnostics;
using System.Text;

namespace Catalytic.Runner.Actions.BuiltIn.Processes;

/// <summary>The outcome of one finished process: exit code and captured output.</summary>
internal sealed record ProcessOutcome(int ExitCode, string StdOut, string StdErr)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>The most useful text for an error message: stderr, else stdout, trimmed.</summary>
    public string ErrorText => (StdErr.Trim().Length > 0 ? StdErr : StdOut).Trim();
}

/// <summary>Runs short helper processes (git, tool version probes) with arguments passed as a list, never through a shell.</summary>
internal static class ProcessRunner
{
    public static async Task<ProcessOutcome> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null,
        CancellationToken cancellationToken = default)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? string.Empty,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                info.Environment[key] = value;
            }
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {fileName}");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return new ProcessOutcome(127, string.Empty, $"{fileName}: {ex.Message}");
        }

        using (process)
        {
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            try
            {
                await process.WaitForExitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                throw;
            }

            return new ProcessOutcome(process.ExitCode, await stdout, await stderr);
        }
    }

    /// <summary>Runs git in <paramref name="directory"/>; output is not localised so it can be parsed.</summary>
    public static Task<ProcessOutcome> GitAsync(string directory, CancellationToken cancellationToken, params string[] arguments) =>
        RunAsync("git", arguments, directory, GitEnvironment, cancellationToken);

    private static readonly Dictionary<string, string> GitEnvironment = new()
    {
        ["LC_ALL"] = "C",
        ["GIT_TERMINAL_PROMPT"] = "0",
    };
}
