using System.Collections.Concurrent;
using System.Diagnostics;
using Catalytic.Runner.Context;
using Catalytic.Runner.Execution;
using Catalytic.Runner.Logging;
using Catalytic.Runner.Reporting;
using Catalytic.Testing.Processes;
using Catalytic.Testing.Waiting;
using Catalytic.Workflows.Parsing;

namespace Catalytic.Runner.Tests.Execution;

/// <summary>A throwaway git repository with one commit, for running workflows against.</summary>
internal sealed class TempRepo : IDisposable
{
    public TempRepo()
    {
        Root = Directory.CreateTempSubdirectory("catalytic-repo-").FullName;
        Git("init", "-q", "-b", "main");
        Git("config", "user.name", "Test User");
        Git("config", "user.email", "test@example.com");
        File.WriteAllText(Path.Combine(Root, "README"), "one\n");
        Git("add", "-A");
        Git("commit", "-qm", "first");
        File.WriteAllText(Path.Combine(Root, "README"), "two\n");
        Git("commit", "-qam", "second");
    }

    public string Root { get; }

    public string State => Path.Combine(Root, ".catalytic");

    public string Git(params string[] args)
    {
        var psi = new ProcessStartInfo("git") { WorkingDirectory = Root, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        var r = ProcessRun.Run(psi);
        Assert.True(r.Code == 0, $"git {string.Join(' ', args)} failed: {r.Err}");
        return r.Out.Trim();
    }

    public string WriteWorkflow(string yaml, string name = "ci.yml")
    {
        var dir = Path.Combine(Root, ".github", "workflows");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, yaml);
        return path;
    }

    /// <summary>Parses <paramref name="yaml"/> (must be valid) and runs it with the real runner.</summary>
    public async Task<RunResult> RunAsync(
        string yaml,
        Func<RunOptions, RunOptions>? configure = null,
        string eventName = "push",
        CancellationToken cancellationToken = default)
    {
        var path = WriteWorkflow(yaml);
        var parsed = WorkflowParser.Parse(Path.GetRelativePath(Root, path), yaml);
        Assert.True(parsed.IsValid, string.Join("\n", parsed.Diagnostics));
        var context = GithubContextBuilder.Build(Root, State, eventName, null, RealTime.Clock);
        var options = new RunOptions
        {
            Workspace = Root,
            StateDirectory = State,
            EventName = eventName,
            Github = context.Github,
            EventPayload = context.Event,
            CancelGracePeriod = TimeSpan.FromMilliseconds(500),
            // Steps are real processes: the run's own timeouts run on real time unless a test passes a fake clock.
            Time = RealTime.Clock,
        };
        options = configure?.Invoke(options) ?? options;
        var listener = new CapturingListener();
        var runner = new WorkflowRunner(options, new WorkflowExpressionEngine(), listener);
        var runNumber = int.Parse(context.Github["run_number"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        var report = await runner.RunAsync([new PlannedWorkflow(parsed.Workflow!, true)], runNumber, cancellationToken);
        return new RunResult(report, listener.Lines.ToList(), runner.ToJson(report));
    }

    /// <summary>Runs the real CLI (<c>dotnet catalytic.dll ARGS</c>) as a process in the repository; its exit code, stdout and stderr.</summary>
    public async Task<(int Code, string Stdout, string Stderr)> RunCliAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Root };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "catalytic.dll"));
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        var r = await ProcessRun.RunAsync(psi);
        return (r.Code, r.Out, r.Err);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, true);
        }
        catch (IOException)
        {
        }
    }
}

internal sealed record RunResult(RunReport Report, List<string> Lines, string Json)
{
    public JobReport Job(string id) => Report.Workflows.SelectMany(w => w.Jobs).Single(j => j.Id == id);

    public StepReport Step(string job, string stepId) => Job(job).Steps.Single(s => s.Id == stepId);

    public string Output => string.Join("\n", Lines);
}

internal sealed class CapturingListener : IRunListener
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public void JobStarted(string jobLabel) => Lines.Enqueue($"[{jobLabel}] started");

    public void StepStarted(string jobLabel, string stepName)
    {
    }

    public void Line(string jobLabel, string stepName, string text, LineKind kind) => Lines.Enqueue($"[{jobLabel}/{stepName}] {text}");

    public void JobFinished(string jobLabel, string result, TimeSpan duration) => Lines.Enqueue($"[{jobLabel}] {result}");
}
