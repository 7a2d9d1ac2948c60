using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Catalytic.Cli.Tests.Conformance;
using Catalytic.Testing.Processes;
using Catalytic.Workflows.Model;
using Catalytic.Workflows.Parsing;

namespace Catalytic.Cli.Tests.Corpus;

/// <summary>A diagnostic the CLI printed: <c>path:line:column: error|warning: message</c>.</summary>
internal sealed partial record CliDiagnostic(string File, int Line, int Column, bool IsError, string Message)
{
    public static CliDiagnostic? TryParse(string line)
    {
        var m = Pattern().Match(line);
        return m.Success
            ? new CliDiagnostic(m.Groups[1].Value, int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture),
                int.Parse(m.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture), m.Groups[4].Value == "error", m.Groups[5].Value)
            : null;
    }

    [GeneratedRegex(@"^(\S.*?):(\d+):(\d+): (error|warning): (.*)$")]
    private static partial Regex Pattern();
}

/// <summary>What the real CLI did with one corpus file: its diagnostics from <c>validate</c>, and <c>run --list</c> when it was run.</summary>
internal sealed record FileOutcome(string File, IReadOnlyList<CliDiagnostic> Diagnostics, CliRun? List, Workflow? Workflow);

/// <summary>One process of the CLI: its arguments, exit code and output (stdout and stderr).</summary>
internal sealed record CliRun(string Arguments, int ExitCode, string Output);

/// <summary>
/// Runs the real CLI (<c>dotnet catalytic.dll</c>) over every corpus folder, a bounded number at once: <c>validate</c> once per
/// folder (in a copy of it, as a repository), then <c>run EVENT --list -W FILE</c> for each file it accepts. The first
/// row of the theory starts every folder; each row awaits its own.
/// </summary>
public sealed class CorpusSuite : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<IReadOnlyList<FileOutcome>>>> _folders = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _slots = new(ConformanceSuite.Concurrency, ConformanceSuite.Concurrency);
    private readonly CancellationTokenSource _stop = new();
    private int _started;

    internal Task<IReadOnlyList<FileOutcome>> OutcomeAsync(string folder)
    {
        var own = Get(folder);
        if (Interlocked.Exchange(ref _started, 1) == 0)
        {
            foreach (var other in CorpusData.Folders())
            {
                _ = Get(other);
            }
        }

        return own;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _stop.Dispose();
    }

    private Task<IReadOnlyList<FileOutcome>> Get(string folder) =>
        _folders.GetOrAdd(folder, f => new Lazy<Task<IReadOnlyList<FileOutcome>>>(() => Task.Run(() => RunFolder(f)))).Value;

    private async Task<IReadOnlyList<FileOutcome>> RunFolder(string folder)
    {
        var work = Directory.CreateTempSubdirectory("catalytic-corpus-").FullName;
        try
        {
            CopyWorkflows(Path.Combine(CorpusData.Root, folder), work);

            // A repository, as a team's would be: run finds the workspace by its .git.
            await Git(work);
            var validate = await Cli(work, ["validate"]);
            var diagnostics = validate.Output.Split('\n').Select(l => CliDiagnostic.TryParse(l.TrimEnd('\r'))).OfType<CliDiagnostic>().ToList();
            // One `run --list` plans every workflow of a valid folder (triggered or not); a folder with a rejected file is
            // planned file by file, since run refuses a folder holding an invalid workflow.
            var allValid = !diagnostics.Any(d => d.IsError);
            var folderList = allValid ? await Cli(work, ["run", "--list"]) : null;
            var outcomes = new List<FileOutcome>();
            foreach (var file in CorpusData.Files(folder))
            {
                var local = ".github/workflows/" + Path.GetFileName(file);
                var own = diagnostics.Where(d => d.File == local).ToList();
                var parsed = WorkflowParser.Parse(local, await File.ReadAllTextAsync(Path.Combine(CorpusData.Root, file), _stop.Token));
                var list = folderList;
                if (list is null && parsed.Workflow is { } workflow && !own.Any(d => d.IsError))
                {
                    list = await Cli(work, ["run", .. ListArguments(workflow), "--list", "-W", local]);
                }

                outcomes.Add(new FileOutcome(file, own, list is null ? null : list with { Output = Section(list.Output, local) }, parsed.Workflow));
            }

            return outcomes;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>The lines `run --list` printed for one workflow file: its heading and the indented plan under it (empty when absent).</summary>
    private static string Section(string output, string file)
    {
        var lines = output.Split('\n');
        var start = Array.FindIndex(lines, l => l.StartsWith(file + ": ", StringComparison.Ordinal));
        if (start < 0)
        {
            return "";
        }

        var end = start + 1;
        while (end < lines.Length && lines[end].StartsWith(' '))
        {
            end++;
        }

        return string.Join('\n', lines[start..end]) + "\n";
    }

    /// <summary>The event to plan a workflow for: its first trigger other than workflow_dispatch, else workflow_dispatch with a valid value for each required input.</summary>
    internal static IReadOnlyList<string> ListArguments(Workflow workflow)
    {
        if (workflow.On.FirstOrDefault(t => t.Event != "workflow_dispatch") is { } trigger)
        {
            return [trigger.Event];
        }

        var args = new List<string> { "workflow_dispatch" };
        foreach (var input in workflow.DispatchInputs.Where(i => i.Required && i.Default is null))
        {
            var value = input.Type switch
            {
                InputType.Boolean => "true",
                InputType.Number => "1",
                InputType.Choice => input.Options[0],
                _ => "x",
            };
            args.AddRange(["--input", $"{input.Name}={value}"]);
        }

        return args;
    }

    private static async Task Git(string directory)
    {
        var psi = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "init", "-q", "-b", "main" })
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment["GIT_CONFIG_GLOBAL"] = "/dev/null";
        psi.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        var r = await ProcessRun.RunAsync(psi);
        Assert.True(r.Code == 0, "git init failed in " + directory + ": " + r.Err);
    }

    private static void CopyWorkflows(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private async Task<CliRun> Cli(string workingDirectory, IReadOnlyList<string> args)
    {
        await _slots.WaitAsync(_stop.Token);
        try
        {
            var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
            psi.ArgumentList.Add(ConformanceRunner.CliDll);
            foreach (var a in args)
            {
                psi.ArgumentList.Add(a);
            }

            foreach (var key in psi.Environment.Keys.Where(k => k.StartsWith("GITHUB_", StringComparison.Ordinal) || k.StartsWith("RUNNER_", StringComparison.Ordinal) || k.StartsWith("CATALYTIC_", StringComparison.Ordinal)).ToList())
            {
                psi.Environment.Remove(key);
            }

            var output = new StringBuilder();
            using var process = new Process { StartInfo = psi };
            process.OutputDataReceived += (_, e) => Append(output, e.Data);
            process.ErrorDataReceived += (_, e) => Append(output, e.Data);
            process.Start();
            process.StandardInput.Close();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(5), Catalytic.Testing.Waiting.RealTime.Clock); // a hang guard, not a speed bound
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, limit.Token);
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await Catalytic.Testing.Waiting.Eventually.CompletesAsync(process.WaitForExitAsync(CancellationToken.None), "the killed CLI to end (its output pipes still open?)");
                Append(output, "(killed: no answer within 5 minutes)");
            }

            lock (output)
            {
                return new CliRun(string.Join(' ', args), process.ExitCode, output.ToString());
            }
        }
        finally
        {
            _slots.Release();
        }
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.Append(line).Append('\n');
        }
    }
}
