using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Catalytic.Cli.Tests.Conformance;

/// <summary>
/// One test per folder of <c>tests/conformance</c>: the real <c>catalytic</c> process runs the case's repository and
/// must give the expected exit code, output, job results and files. See <c>tests/conformance/README.md</c>.
/// </summary>
public sealed class ConformanceTests(ConformanceSuite suite) : IClassFixture<ConformanceSuite>
{
    public static TheoryData<string> Cases => [.. ConformanceRunner.CaseNames()];

    [Fact]
    public void Conformance_folder_holds_cases_that_all_parse()
    {
        var names = ConformanceRunner.CaseNames();
        Assert.NotEmpty(names);
        foreach (var name in names)
        {
            var c = ConformanceCase.Load(Path.Combine(ConformanceRunner.CasesDirectory, name));
            Assert.True(Directory.Exists(c.RepoDirectory), $"{name}: no repo/ folder");
            Assert.False(string.IsNullOrWhiteSpace(c.Description), $"{name}: no description");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Case_runs_as_expected(string name)
    {
        var outcome = await suite.OutcomeAsync(name).WaitAsync(TestContext.Current.CancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine($"{name}: {outcome.Elapsed.TotalSeconds:0.0}s ({string.Join(", ", outcome.Runs.Select(r => $"{r.Elapsed.TotalSeconds:0.0}s"))})");
        var problems = new StringBuilder();
        if (outcome.SetupError is not null)
        {
            problems.AppendLine("setup: " + outcome.SetupError);
        }

        for (var i = 0; i < outcome.Runs.Count; i++)
        {
            Check(outcome.Case.Runs[i], outcome.Runs[i], Path.Combine(outcome.WorkTree, "repo"), i, outcome.Runs.Count, problems);
        }

        if (problems.Length > 0)
        {
            Assert.Fail(Describe(outcome, problems.ToString()));
        }

        Directory.Delete(outcome.WorkTree, recursive: true);
    }

    private static void Check(CaseRun expected, RunOutcome actual, string repo, int index, int count, StringBuilder problems)
    {
        var prefix = count > 1 ? $"run {index + 1}: " : "";
        if (actual.TimedOut)
        {
            problems.AppendLine($"{prefix}timed out after {actual.Elapsed.TotalSeconds:0.#}s (killed)");
        }
        else if (actual.ExitCode != expected.Exit)
        {
            problems.AppendLine($"{prefix}exit code: expected {expected.Exit}, got {actual.ExitCode}");
        }

        var at = 0;
        foreach (var raw in expected.Output)
        {
            var line = ConformanceRunner.Expand(raw, repo);
            var found = actual.Output.IndexOf(line, at, StringComparison.Ordinal);
            if (found < 0)
            {
                var anywhere = actual.Output.Contains(line, StringComparison.Ordinal);
                problems.AppendLine($"{prefix}output: expected {Quote(line)}{(anywhere ? " (present, but before the previous expected line)" : "")}");
                continue;
            }

            at = found + line.Length;
        }

        foreach (var raw in expected.Absent)
        {
            var text = ConformanceRunner.Expand(raw, repo);
            if (actual.Output.Contains(text, StringComparison.Ordinal))
            {
                problems.AppendLine($"{prefix}output: must not contain {Quote(text)}");
            }

            if (actual.ReportJson?.Contains(text, StringComparison.Ordinal) == true)
            {
                problems.AppendLine($"{prefix}report: must not contain {Quote(text)}");
            }

            // Logs, summaries and reports of this run must not hold it either (secrets are masked everywhere).
            var runs = RunDirectory(actual) ?? Path.Combine(repo, ".catalytic", "runs");
            foreach (var file in Directory.Exists(runs) ? Directory.EnumerateFiles(runs, "*", SearchOption.AllDirectories) : [])
            {
                if (!file.Contains("/artifacts/", StringComparison.Ordinal) && File.ReadAllText(file).Contains(text, StringComparison.Ordinal))
                {
                    problems.AppendLine($"{prefix}{Path.GetRelativePath(repo, file)}: must not contain {Quote(text)}");
                }
            }
        }

        if (expected.Jobs.Count > 0)
        {
            CheckJobs(expected, actual, prefix, problems);
        }

        // Files as they were right after this run (a later run of the case may change them).
        foreach (var (path, fragment) in expected.Files)
        {
            var content = actual.Files.GetValueOrDefault(path);
            if (content is null)
            {
                problems.AppendLine($"{prefix}file: expected {path} to exist");
            }
            else if (fragment is not null && !content.Contains(fragment, StringComparison.Ordinal))
            {
                problems.AppendLine($"{prefix}file: expected {path} to contain {Quote(fragment)}, it holds {Quote(content.Length == 0 ? "(a folder or nothing)" : content)}");
            }
        }

        foreach (var path in expected.MissingFiles)
        {
            if (actual.Files.GetValueOrDefault(path) is not null)
            {
                problems.AppendLine($"{prefix}file: expected {path} not to exist");
            }
        }
    }

    private static string? RunDirectory(RunOutcome run)
    {
        if (run.ReportJson is null)
        {
            return null;
        }

        using var doc = JsonDocument.Parse(run.ReportJson);
        return doc.RootElement.TryGetProperty("runDirectory", out var d) ? d.GetString() : null;
    }

    private static void CheckJobs(CaseRun expected, RunOutcome actual, string prefix, StringBuilder problems)
    {
        if (actual.ReportJson is null)
        {
            problems.AppendLine($"{prefix}jobs: no --json report was written");
            return;
        }

        using var doc = JsonDocument.Parse(actual.ReportJson);
        var jobs = doc.RootElement.GetProperty("workflows").EnumerateArray()
            .SelectMany(w => w.GetProperty("jobs").EnumerateArray())
            .Select(j => j.Clone())
            .ToList();
        foreach (var want in expected.Jobs)
        {
            // A key names a job instance ("build (1, a)") or a job id (then every instance of it must match).
            var matches = jobs.Where(j => j.GetProperty("name").GetString() == want.Key).ToList();
            if (matches.Count == 0)
            {
                matches = [.. jobs.Where(j => j.GetProperty("id").GetString() == want.Key)];
            }

            if (matches.Count == 0)
            {
                problems.AppendLine($"{prefix}jobs: expected job '{want.Key}' ({want.Result}), not in the report (jobs: {string.Join(", ", jobs.Select(j => $"{j.GetProperty("name").GetString()}={j.GetProperty("result").GetString()}"))})");
                continue;
            }

            foreach (var job in matches)
            {
                var name = job.GetProperty("name").GetString();
                var result = job.GetProperty("result").GetString();
                if (want.Result is not null && result != want.Result)
                {
                    var reason = job.TryGetProperty("reason", out var r) ? $" — {r.GetString()}" : "";
                    problems.AppendLine($"{prefix}jobs: '{name}' expected {want.Result}, got {result}{reason}");
                }

                if (want.Reason is not null && !(job.TryGetProperty("reason", out var why) && why.GetString()!.Contains(want.Reason, StringComparison.Ordinal)))
                {
                    problems.AppendLine($"{prefix}jobs: '{name}' reason should contain {Quote(want.Reason)}, got {Quote(job.TryGetProperty("reason", out var w) ? w.GetString()! : "(none)")}");
                }

                var outputs = job.GetProperty("outputs");
                foreach (var (k, v) in want.Outputs)
                {
                    var got = outputs.TryGetProperty(k, out var o) ? o.GetString() : null;
                    if (got != v)
                    {
                        problems.AppendLine($"{prefix}jobs: '{name}' output {k}: expected {Quote(v)}, got {(got is null ? "(none)" : Quote(got))}");
                    }
                }
            }
        }
    }

    private static string Describe(CaseOutcome outcome, string problems)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"conformance case '{outcome.Case.Name}': {outcome.Case.Description}");
        sb.Append(problems);
        sb.AppendLine(CultureInfo.InvariantCulture, $"work tree kept: {outcome.WorkTree}");
        for (var i = 0; i < outcome.Runs.Count; i++)
        {
            var run = outcome.Runs[i];
            sb.AppendLine(CultureInfo.InvariantCulture, $"──── run {i + 1}: catalytic {string.Join(' ', run.Args)} → exit {run.ExitCode} in {run.Elapsed.TotalSeconds:0.0}s ────");
            sb.Append(run.Output);
            if (run.ReportJson is not null)
            {
                sb.AppendLine("──── jobs in the report ────");
                using var doc = JsonDocument.Parse(run.ReportJson);
                foreach (var w in doc.RootElement.GetProperty("workflows").EnumerateArray())
                {
                    foreach (var j in w.GetProperty("jobs").EnumerateArray())
                    {
                        sb.AppendLine(CultureInfo.InvariantCulture, $"{j.GetProperty("name").GetString()}: {j.GetProperty("result").GetString()}{(j.TryGetProperty("reason", out var r) ? " — " + r.GetString() : "")}");
                    }
                }
            }
        }

        return sb.ToString();
    }

    private static readonly JsonSerializerOptions Readable = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Quote(string s) => JsonSerializer.Serialize(s, Readable);
}
