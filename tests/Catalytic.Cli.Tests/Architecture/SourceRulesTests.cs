using System.Reflection;
using Catalytic.Testing.Architecture;

namespace Catalytic.Cli.Tests.Architecture;

/// <summary>
/// The size rules over the whole of <c>src/</c> (issue 11's acceptance): this project sees every product assembly,
/// since the CLI references them all. A failure names the file or the class and its fields.
/// </summary>
public sealed class SourceRulesTests
{
    private static string Src => Path.Combine(SourceRules.RepositoryRoot, "src");

    /// <summary>Every product project: the folders of src/, each an assembly of the same name.</summary>
    private static IReadOnlyList<string> Projects =>
        [.. Directory.GetDirectories(Src).Select(Path.GetFileName).OfType<string>().Where(n => n.StartsWith("Catalytic.", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];

    /// <summary>
    /// The classes over the field limit when this guard was written (issue 11), named so that no other joins them: the
    /// edge's connection (13, with its static id counter) and serve's composition root (14). Both are split now; the
    /// list stays, empty, so that it can only shrink.
    /// </summary>
    private static readonly string[] Pending = [];

    /// <summary>The assembly a project builds: its csproj's AssemblyName (the CLI's is `catalytic`), else the project's name.</summary>
    private static string AssemblyOf(string project) =>
        System.Text.RegularExpressions.Regex.Match(File.ReadAllText(Path.Combine(Src, project, project + ".csproj")), "<AssemblyName>([^<]+)</AssemblyName>") is { Success: true } m
            ? m.Groups[1].Value
            : project;

    [Fact]
    public void Src_NoFileOver500LinesWithoutSayingWhyAtItsTop()
    {
        var long_ = SourceRules.LongFiles(Src);
        Assert.True(long_.Count == 0, $"over {SourceRules.MaxLines} lines without an opening comment saying why it is one piece: " + string.Join(", ", long_));
    }

    [Fact]
    public void Src_NoClassHasMoreThanTwelveMutableFields()
    {
        Assert.True(Projects.Count >= 12, "src/ should hold the product projects: " + string.Join(", ", Projects));
        var heavy = Projects.SelectMany(p => SourceRules.HeavyClasses(Assembly.Load(new AssemblyName(AssemblyOf(p))))).ToList();
        var fresh = heavy.Where(h => !Pending.Any(p => h.StartsWith(p + ":", StringComparison.Ordinal))).ToList();
        Assert.True(fresh.Count == 0, $"more than {SourceRules.MaxMutableFields} mutable fields: " + string.Join("; ", fresh));
        var mended = Pending.Where(p => !heavy.Any(h => h.StartsWith(p + ":", StringComparison.Ordinal))).ToList();
        Assert.True(mended.Count == 0, $"no longer over {SourceRules.MaxMutableFields} mutable fields, take them off {nameof(Pending)}: " + string.Join(", ", mended));
    }

    [Fact]
    public void MutableFields_CountsWhatCanChangeAfterConstruction()
    {
        Assert.Equal(["Shared", "_count"], SourceRules.MutableFields(typeof(Sample)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void HeavyClasses_NamesAClassOverTheLimit() =>
        Assert.Contains(SourceRules.HeavyClasses(typeof(SourceRulesTests).Assembly), h => h.StartsWith(typeof(Heavy).FullName + ":", StringComparison.Ordinal));

    [Fact]
    public void LongFiles_NamesALongFileUnlessItSaysWhy()
    {
        var dir = Directory.CreateTempSubdirectory("catalytic-source-rules-");
        try
        {
            File.WriteAllLines(Path.Combine(dir.FullName, "Long.cs"), Enumerable.Repeat("//", SourceRules.MaxLines + 1));
            File.WriteAllLines(Path.Combine(dir.FullName, "Said.cs"), ["// One piece: a table.", .. Enumerable.Repeat("//", SourceRules.MaxLines + 1)]);
            File.WriteAllLines(Path.Combine(dir.FullName, "Short.cs"), Enumerable.Repeat("//", SourceRules.MaxLines));
            Assert.Equal([$"Long.cs ({SourceRules.MaxLines + 1} lines)"], SourceRules.LongFiles(dir.FullName));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

#pragma warning disable CS0169, CS0414, CS0649, CA1823, IDE0044, IDE0051, S1144 // fields that exist only to be counted
    private sealed class Sample
    {
        public static int Shared;
        private readonly int _fixed = 1;
        private int _count;

        public int Init { get; init; }

        public int Sum => _fixed + _count + Init;
    }

    private sealed class Heavy
    {
        private int _a, _b, _c, _d, _e, _f, _g, _h, _i, _j, _k, _l, _m;
    }
#pragma warning restore CS0169, CS0414, CS0649, CA1823, IDE0044, IDE0051, S1144
}
