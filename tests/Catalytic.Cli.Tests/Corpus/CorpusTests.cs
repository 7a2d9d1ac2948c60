using System.Text;

namespace Catalytic.Cli.Tests.Corpus;

/// <summary>
/// The peer check on real workflow files (tests/corpus/README.md): for every file, <c>catalytic validate</c> gives GitHub's
/// verdict — accepts what GitHub's parser accepts, rejects what it rejects with an error on each line GitHub names — and
/// <c>catalytic run --list</c> plans every accepted file. A difference kept on purpose is listed, with its reason, in
/// KNOWN-DIFFERENCES.tsv, and the test fails when it no longer occurs.
/// </summary>
public sealed class CorpusTests(CorpusSuite suite) : IClassFixture<CorpusSuite>
{
    private static readonly string[] RedistributableLicences = ["MIT", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "ISC", "Unlicense OR MIT", "MIT OR Apache-2.0", "PostgreSQL", "MPL-2.0", "curl"];

    public static TheoryData<string> Folders => [.. CorpusData.Folders()];

    [Fact]
    public void Corpus_holds_at_least_150_real_files_each_with_its_source_and_a_redistributable_licence()
    {
        var real = CorpusData.Folders().Where(f => f.StartsWith("repos/", StringComparison.Ordinal)).SelectMany(CorpusData.Files).ToList();
        Assert.True(real.Count >= 150, $"the corpus holds {real.Count} real workflow files; it must hold at least 150");
        var sources = CorpusData.Sources.ToDictionary(s => s.File, StringComparer.Ordinal);
        Assert.Empty(real.Where(f => !sources.ContainsKey(f)).Select(f => $"{f}: no row in SOURCES.tsv"));
        Assert.Empty(sources.Keys.Where(f => !real.Contains(f) && f.StartsWith("repos/", StringComparison.Ordinal)).Select(f => $"{f}: in SOURCES.tsv but not in the corpus"));
        foreach (var source in CorpusData.Sources.Where(s => s.File.StartsWith("repos/", StringComparison.Ordinal)))
        {
            Assert.Equal($"repos/{source.Repository}/{source.Path}", source.File);
            Assert.Matches("^[0-9a-f]{40}$", source.Commit);
            Assert.Contains(source.Licence, RedistributableLicences);
            Assert.True(File.Exists(Path.Combine(CorpusData.Root, "LICENSES", LicenceFile(source.Licence))), $"{source.File}: no licence text LICENSES/{LicenceFile(source.Licence)}");
        }

        var repositories = real.Select(f => string.Join('/', f.Split('/').Take(3))).Distinct().Count();
        Assert.True(repositories >= 30, $"the files come from {repositories} repositories; the check wants many kinds of project");
    }

    [Fact]
    public void Every_corpus_file_has_GitHubs_recorded_verdict()
    {
        var files = CorpusData.Folders().SelectMany(CorpusData.Files).ToHashSet(StringComparer.Ordinal);
        Assert.Empty(files.Where(f => !CorpusData.Verdicts.ContainsKey(f)).Select(f => $"{f}: no verdict in github-verdicts.json (run the oracle: tests/corpus/README.md)"));
        Assert.Empty(CorpusData.Verdicts.Keys.Where(f => !files.Contains(f)).Select(f => $"{f}: a verdict for a file that is not in the corpus"));
        Assert.Empty(CorpusData.KnownDifferences.Keys.Where(f => !files.Contains(f)).Select(f => $"{f}: a known difference for a file that is not in the corpus"));
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public async Task Validate_gives_GitHubs_verdict_and_run_list_plans_what_it_accepts(string folder)
    {
        var outcomes = await suite.OutcomeAsync(folder).WaitAsync(TestContext.Current.CancellationToken);
        var problems = new StringBuilder();
        foreach (var outcome in outcomes)
        {
            var differences = Differences(outcome).ToList();
            if (CorpusData.KnownDifferences.TryGetValue(outcome.File, out var reason))
            {
                if (differences.Count == 0)
                {
                    problems.AppendLine($"{outcome.File}: listed in KNOWN-DIFFERENCES.tsv ({reason}) but Catalytic now agrees with GitHub: remove the line");
                }

                continue;
            }

            foreach (var d in differences)
            {
                problems.AppendLine($"{outcome.File}: {d}");
            }
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{folder}: {outcomes.Count} files, GitHub rejects {outcomes.Count(o => CorpusData.Verdicts[o.File].Count > 0)}, planned {outcomes.Count(o => o.List is { ExitCode: 0 })}");
        if (problems.Length > 0)
        {
            Assert.Fail(problems.ToString());
        }
    }

    /// <summary>Every way Catalytic's verdict on one file differs from GitHub's.</summary>
    private static IEnumerable<string> Differences(FileOutcome outcome)
    {
        var github = CorpusData.Verdicts[outcome.File];
        var ours = outcome.Diagnostics.Where(d => d.IsError).ToList();
        if (github.Count == 0)
        {
            foreach (var error in ours)
            {
                yield return $"GitHub accepts the file, Catalytic rejects it: {error.Line}:{error.Column}: {error.Message}";
            }

            if (ours.Count == 0 && (outcome.List is not { ExitCode: 0 } list || list.Output.Length == 0))
            {
                yield return $"accepted, but `run {outcome.List?.Arguments}` did not plan it (exit {outcome.List?.ExitCode}):\n{outcome.List?.Output}";
            }
            else if (ours.Count == 0)
            {
                foreach (var job in outcome.Workflow!.Jobs.Where(j => !outcome.List!.Output.Contains($"\n  {j.Id}", StringComparison.Ordinal)))
                {
                    yield return $"`run {outcome.List!.Arguments}` does not plan job '{job.Id}':\n{outcome.List.Output}";
                }
            }

            yield break;
        }

        if (ours.Count == 0)
        {
            yield return $"GitHub rejects the file ({string.Join("; ", github.Select(g => $"{g.Line}:{g.Column}: {g.Message}"))}), Catalytic accepts it";
            yield break;
        }

        foreach (var g in github.Where(g => g.Line > 0))
        {
            var matched = g.Yaml
                ? ours.Any(o => o.Message.StartsWith("YAML syntax error", StringComparison.Ordinal))
                : ours.Any(o => o.Line == g.Line);
            if (!matched)
            {
                yield return $"GitHub's error {g.Line}:{g.Column}: {g.Message} — Catalytic has none on that line (its errors: {string.Join("; ", ours.Select(o => $"{o.Line}:{o.Column}: {o.Message}"))})";
            }
        }

        foreach (var expected in CorpusData.Expectations.Where(e => e.File == outcome.File))
        {
            if (!ours.Any(o => o.Line == expected.Line && o.Message.Contains(expected.Fragment, StringComparison.Ordinal)))
            {
                yield return $"expected Catalytic's error at line {expected.Line} to say '{expected.Fragment}'; its errors: {string.Join("; ", ours.Select(o => $"{o.Line}:{o.Column}: {o.Message}"))}";
            }
        }
    }

    private static string LicenceFile(string spdx) => spdx.Replace(" OR ", "-or-", StringComparison.Ordinal) + ".txt";
}
