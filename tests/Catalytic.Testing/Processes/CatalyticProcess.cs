using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Catalytic.Testing.Waiting;

namespace Catalytic.Testing.Processes;

/// <summary>
/// The real `catalytic` program as the tests run it: the IL build of src/Catalytic.Cli next to this repository's
/// sources (a test project that starts it references Catalytic.Cli with ReferenceOutputAssembly=false, so it is built
/// first). <see cref="RunAsync"/> runs a verb to its end; <see cref="Start"/> starts a long-running one (serve,
/// logs -f) whose output is collected as it comes.
/// </summary>
public static class CatalyticProcess
{
    /// <summary>src/Catalytic.Cli/bin/CONFIGURATION/net10.0, where catalytic.dll and its launcher are.</summary>
    public static string Folder
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Catalytic.slnx")))
            {
                dir = dir.Parent;
            }

            if (dir is null)
            {
                throw new InvalidOperationException($"no Catalytic.slnx above {AppContext.BaseDirectory}");
            }

            var configuration = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
            var folder = Path.Combine(dir.FullName, "src", "Catalytic.Cli", "bin", configuration, "net10.0");
            return File.Exists(Path.Combine(folder, "catalytic.dll"))
                ? folder
                : throw new InvalidOperationException($"{folder}/catalytic.dll is missing; build src/Catalytic.Cli");
        }
    }

    /// <summary>The IL program.</summary>
    public static string Dll => Path.Combine(Folder, "catalytic.dll");

    /// <summary>The apphost launcher beside it (what a supervisor starts as a command).</summary>
    public static string Launcher => Path.Combine(Folder, "catalytic");

    /// <summary>Runs `catalytic ARGS` in <paramref name="workingDirectory"/> to its end; returns its exit code and output.</summary>
    /// <param name="stdin">Written to the verb's standard input, which is then closed (e.g. for --password-stdin).</param>
    public static async Task<Result> RunAsync(string workingDirectory, IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? deadline = null, string? stdin = null)
    {
        var r = await ProcessRun.RunAsync(StartInfo(workingDirectory, args, environment), stdin, deadline);
        return new Result(r.Code, r.Out, r.Err);
    }

    /// <summary>Starts `catalytic ARGS` in <paramref name="workingDirectory"/> and collects its output; dispose to kill it.</summary>
    public static Running Start(string workingDirectory, IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? environment = null) =>
        new(Process.Start(StartInfo(workingDirectory, args, environment))!, args);

    private static ProcessStartInfo StartInfo(string workingDirectory, IReadOnlyList<string> args, IReadOnlyDictionary<string, string>? environment)
    {
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(Dll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        return psi;
    }

    /// <summary>How a verb ended.</summary>
    public sealed record Result(int Code, string Out, string Err)
    {
        /// <inheritdoc/>
        public override string ToString() => $"exit {Code}\nstdout:\n{Out}\nstderr:\n{Err}";
    }

    /// <summary>A running `catalytic` with its output so far.</summary>
    public sealed class Running : IAsyncDisposable
    {
        private readonly StringBuilder _output = new();
        private readonly IReadOnlyList<string> _args;

        internal Running(Process process, IReadOnlyList<string> args)
        {
            Process = process;
            _args = args;
            process.OutputDataReceived += (_, e) => Add(e.Data, Lines);
            process.ErrorDataReceived += (_, e) => Add(e.Data, ErrorLines);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        /// <summary>The process.</summary>
        public Process Process { get; }

        /// <summary>Lines it wrote to stdout so far.</summary>
        public ConcurrentQueue<string> Lines { get; } = new();

        /// <summary>Lines it wrote to stderr so far.</summary>
        public ConcurrentQueue<string> ErrorLines { get; } = new();

        /// <summary>Everything it wrote so far, both streams in arrival order.</summary>
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

        /// <summary>Sends SIGKILL (no chance to clean up) and waits for the end.</summary>
        public async Task KillAsync()
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: false);
            }

            await Eventually.CompletesAsync(Process.WaitForExitAsync(), $"catalytic {string.Join(' ', _args)} to die of SIGKILL");
        }

        /// <inheritdoc/>
        public async ValueTask DisposeAsync()
        {
            await KillAsync();
            Process.Dispose();
        }

        private void Add(string? line, ConcurrentQueue<string> to)
        {
            if (line is null)
            {
                return;
            }

            to.Enqueue(line);
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
