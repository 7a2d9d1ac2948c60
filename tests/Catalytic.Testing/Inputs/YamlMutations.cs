namespace Catalytic.Testing.Inputs;

/// <summary>
/// The typos a person makes in a YAML file — a character deleted, doubled, swapped or inserted (YAML's indicators
/// above all), a line indented or outdented, duplicated, dropped or moved, an anchor, alias or bracket where none
/// belongs — applied to this repository's own workflow and config files, seeded so a failure reproduces. For every
/// test project whose parser reads YAML (issue 15: such inputs crashed `catalytic validate`).
/// </summary>
public static class YamlMutations
{
    private static readonly string[] Tokens = ["&a ", "*a", "&b ", "*b", "<<: *a\n", "[", "{", "]", "}", "? ", ": ", "- ", "---\n", "...\n", "!!str ", "%YAML 1.2\n", "|\n", ">-\n"];

    /// <summary>The repository's root (the folder holding Catalytic.slnx).</summary>
    public static string RepositoryRoot { get; } = RootAbove(AppContext.BaseDirectory);

    /// <summary>The text of every *.yml/*.yaml file under the given folders of the repository (the seeds), in a stable order.</summary>
    public static IReadOnlyList<string> Seeds(params string[] folders) =>
        [.. folders.Select(f => Path.Combine(RepositoryRoot, f)).Where(Directory.Exists)
            .SelectMany(f => Directory.EnumerateFiles(f, "*.*", SearchOption.AllDirectories))
            .Where(f => (f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".yaml", StringComparison.Ordinal))
                && !f.Contains("/bin/", StringComparison.Ordinal) && !f.Contains("/obj/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(File.ReadAllText)];

    /// <summary><paramref name="count"/> mutants of <paramref name="seeds"/>, each one to four typos away from its seed.</summary>
    public static IEnumerable<string> Mutants(IReadOnlyList<string> seeds, int count, int seed)
    {
        if (seeds.Count == 0)
        {
            throw new InvalidOperationException("no seed files");
        }

        var rng = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            yield return Mutate(seeds[rng.Next(seeds.Count)], rng);
        }
    }

    /// <summary>One to four typos in <paramref name="text"/>.</summary>
    public static string Mutate(string text, Random rng)
    {
        var s = text;
        for (var k = rng.Next(1, 5); k > 0 && s.Length > 0; k--)
        {
            var p = rng.Next(s.Length);
            var lines = s.Split('\n').ToList();
            var line = rng.Next(lines.Count);
            switch (rng.Next(10))
            {
                case 0:
                    s = s.Remove(p, 1);
                    break;
                case 1:
                    s = s.Insert(p, s[p].ToString());
                    break;
                case 2:
                    if (p + 1 < s.Length)
                    {
                        s = string.Concat(s.AsSpan(0, p), s[p + 1].ToString(), s[p].ToString(), s.AsSpan(p + 2));
                    }

                    break;
                case 3:
                    lines[line] = rng.Next(2) == 0 ? " " + lines[line] : lines[line].StartsWith(' ') ? lines[line][1..] : lines[line];
                    s = string.Join('\n', lines);
                    break;
                case 4:
                    const string indicators = "-:[]{}#&*!|>'\"%@`,?\t\r~\\";
                    s = s.Insert(p, indicators[rng.Next(indicators.Length)].ToString());
                    break;
                case 5:
                    lines.Insert(line, lines[line]);
                    s = string.Join('\n', lines);
                    break;
                case 6:
                    lines.RemoveAt(line);
                    s = string.Join('\n', lines);
                    break;
                case 7:
                    var other = rng.Next(lines.Count);
                    (lines[line], lines[other]) = (lines[other], lines[line]);
                    s = string.Join('\n', lines);
                    break;
                case 8:
                    s = s.Insert(p, Tokens[rng.Next(Tokens.Length)]);
                    break;
                default:
                    var at = lines[line].Length == 0 ? 0 : rng.Next(lines[line].Length);
                    lines[line] = lines[line].Insert(at, new string(' ', rng.Next(1, 4)));
                    s = string.Join('\n', lines);
                    break;
            }
        }

        return s;
    }

    private static string RootAbove(string folder) =>
        File.Exists(Path.Combine(folder, "Catalytic.slnx")) ? folder
        : RootAbove(Path.GetDirectoryName(folder) ?? throw new InvalidOperationException("no Catalytic.slnx above " + AppContext.BaseDirectory));
}
