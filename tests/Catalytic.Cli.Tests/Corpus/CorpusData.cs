using System.Text.Json.Nodes;
using Catalytic.Cli.Tests.Conformance;

namespace Catalytic.Cli.Tests.Corpus;

/// <summary>One error GitHub's workflow parser reported for a corpus file (line 0: no position); <see cref="Yaml"/> for a YAML syntax error.</summary>
internal sealed record GithubError(int Line, int Column, string Message, bool Yaml);

/// <summary>A row of SOURCES.tsv: where a corpus file came from and under which licence.</summary>
internal sealed record CorpusSource(string File, string Repository, string Path, string Commit, string Licence);

/// <summary>An invalid variant's expectation (invalid/EXPECTED.tsv): Catalytic's error at GitHub's line says the same thing.</summary>
internal sealed record InvalidExpectation(string File, int Line, string Fragment);

/// <summary>
/// The peer-check corpus of <c>tests/corpus</c> (see its README): real workflow files under <c>repos/</c>, invalid variants
/// under <c>invalid/</c>, GitHub's recorded verdict on each (<c>github-verdicts.json</c>, made by GitHub's own parser) and
/// the differences that are documented rather than fixed (<c>KNOWN-DIFFERENCES.tsv</c>).
/// </summary>
internal static class CorpusData
{
    public static string Root { get; } = Path.Combine(
        ConformanceRunner.RepositoryRoot() ?? throw new InvalidOperationException("Catalytic.slnx not found above " + AppContext.BaseDirectory), "tests", "corpus");

    /// <summary>Every folder that is one repository's workflows (<c>repos/owner/name</c>, <c>invalid/name</c>), relative to the corpus.</summary>
    public static IReadOnlyList<string> Folders()
    {
        var folders = new List<string>();
        foreach (var top in new[] { "repos", "invalid" })
        {
            var dir = Path.Combine(Root, top);
            if (!Directory.Exists(dir))
            {
                continue;
            }

            folders.AddRange(Directory.EnumerateDirectories(dir, "workflows", SearchOption.AllDirectories)
                .Where(d => Path.GetFileName(Path.GetDirectoryName(d)) == ".github")
                .Select(d => Relative(Path.GetDirectoryName(Path.GetDirectoryName(d))!)));
        }

        return [.. folders.Order(StringComparer.Ordinal)];
    }

    /// <summary>The workflow files of a folder (corpus-relative paths), in name order.</summary>
    public static IReadOnlyList<string> Files(string folder) =>
        [.. Directory.EnumerateFiles(Path.Combine(Root, folder, ".github", "workflows"))
            .Where(f => f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".yaml", StringComparison.Ordinal))
            .Select(Relative)
            .Order(StringComparer.Ordinal)];

    public static IReadOnlyDictionary<string, IReadOnlyList<GithubError>> Verdicts { get; } = LoadVerdicts();

    public static IReadOnlyList<CorpusSource> Sources { get; } =
        [.. Rows("SOURCES.tsv", 5).Select(r => new CorpusSource(r[0], r[1], r[2], r[3], r[4]))];

    /// <summary>File → why Catalytic's verdict differs from GitHub's there on purpose (each reason names the GitHub behaviour).</summary>
    public static IReadOnlyDictionary<string, string> KnownDifferences { get; } =
        Rows("KNOWN-DIFFERENCES.tsv", 2).ToDictionary(r => r[0], r => r[1], StringComparer.Ordinal);

    public static IReadOnlyList<InvalidExpectation> Expectations { get; } =
        [.. Rows(Path.Combine("invalid", "EXPECTED.tsv"), 3).Select(r => new InvalidExpectation(r[0], int.Parse(r[1], System.Globalization.CultureInfo.InvariantCulture), r[2]))];

    private static string Relative(string path) => Path.GetRelativePath(Root, path).Replace('\\', '/');

    /// <summary>The rows of a tab-separated file after its header line (none when the file does not exist).</summary>
    private static IEnumerable<string[]> Rows(string file, int columns)
    {
        var path = Path.Combine(Root, file);
        if (!File.Exists(path))
        {
            yield break;
        }

        foreach (var line in File.ReadLines(path).Skip(1).Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            var cells = line.Split('\t');
            if (cells.Length != columns)
            {
                throw new FormatException($"{file}: expected {columns} tab-separated columns, found {cells.Length}: {line}");
            }

            yield return cells;
        }
    }

    private static Dictionary<string, IReadOnlyList<GithubError>> LoadVerdicts()
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(Root, "github-verdicts.json")))!;
        var verdicts = new Dictionary<string, IReadOnlyList<GithubError>>(StringComparer.Ordinal);
        foreach (var (file, errors) in json["files"]!.AsObject())
        {
            verdicts[file] = [.. errors!.AsArray().Select(e => new GithubError(
                e!["line"]!.GetValue<int>(),
                e["column"]!.GetValue<int>(),
                e["message"]!.GetValue<string>(),
                e["yaml"]?.GetValue<bool>() ?? false))];
        }

        return verdicts;
    }
}
