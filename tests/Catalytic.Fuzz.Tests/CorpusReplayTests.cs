using Catalytic.Fuzz;

namespace Catalytic.Fuzz.Tests;

/// <summary>
/// Every fuzz target over its seed corpus and its regressions (each a crash the fuzzer once found), in-process: what
/// bench/fuzz/run.sh replays before fuzzing, as ordinary tests. A regression listed in fuzz/known-crashes.txt (owned
/// elsewhere, not fixed yet) is reported as skipped with its reason, and passes by itself once the fix lands.
/// </summary>
public sealed class CorpusReplayTests
{
    private static readonly string Root = FindRoot();
    private static readonly KnownCrashes Known = KnownCrashes.Load(Path.Combine(Root, "fuzz", "known-crashes.txt"));

    public static TheoryData<string> Targets => [.. FuzzTargets.Names];

    [Fact]
    public void EveryTarget_HasASeedCorpus()
    {
        foreach (var name in FuzzTargets.Names)
        {
            var folder = Path.Combine(Root, "fuzz", "corpus", name);
            Assert.True(Directory.Exists(folder) && Directory.EnumerateFiles(folder).Any(), $"{name} has no seeds in {folder}");
        }
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void SeedCorpus_RunsWithoutCrashing(string name) => Replay(name, "corpus");

    [Theory]
    [MemberData(nameof(Targets))]
    public void Regressions_RunWithoutCrashing(string name) => Replay(name, "regressions");

    private static void Replay(string name, string kind)
    {
        var folder = Path.Combine(Root, "fuzz", kind, name);
        if (!Directory.Exists(folder))
        {
            return;
        }

        var target = FuzzTargets.Create(name)!;
        var known = new List<string>();
        foreach (var file in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
        {
            try
            {
                target.Run(File.ReadAllBytes(file));
            }
            catch (Exception e) when (Known.Match(name, e) is { } why)
            {
                known.Add($"{Path.GetFileName(file)}: {e.GetType().Name} ({why})");
            }
            catch (Exception e)
            {
                Assert.Fail($"{name}: {file}: {e}");
            }
        }

        if (known.Count > 0)
        {
            Assert.Skip($"known crashes, owned elsewhere: {string.Join("; ", known)}");
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Catalytic.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("the repository root (Catalytic.slnx) was not found above " + AppContext.BaseDirectory);
    }
}
