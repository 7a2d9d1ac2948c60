using System.Reflection;
using System.Runtime.CompilerServices;
using Catalytic.Runner.Execution;

namespace Catalytic.Runner.Tests.Architecture;

/// <summary>
/// Keeps the runner's rules of docs/architecture.md: it knows the workflow model, Catalytic.Platform and logging
/// abstractions only (no HTTP server, storage or delivery, so a worker can carry it anywhere); libc is declared in
/// Platform, not here; no class carries more than 12 mutable fields; no file is over 500 lines without saying why.
/// </summary>
public sealed class RunnerLayeringTests
{
    private static readonly Assembly Runner = typeof(WorkflowRunner).Assembly;

    private static string SourceRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Catalytic.slnx")))
                {
                    return Path.Combine(dir.FullName, "src", "Catalytic.Runner");
                }
            }

            throw new InvalidOperationException("the repository root (Catalytic.slnx) is not above the test's folder");
        }
    }

    private static IEnumerable<string> SourceFiles =>
        Directory.EnumerateFiles(SourceRoot, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    [Fact]
    public void Runner_ReferencesOnlyTheWorkflowModelPlatformAndLoggingAbstractions()
    {
        // YamlDotNet: paths-filter's rules (Actions/BuiltIn/PathsFilter/FilterRules) until their reading moves to
        // Catalytic.Platform's YAML layer; then it goes from this list.
        string[] allowed = ["System", "Microsoft.Win32.Primitives", "Microsoft.Extensions.Logging.Abstractions", "Catalytic.Workflows", "Catalytic.Platform", "YamlDotNet"];
        var refs = Runner.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        var bad = refs.Where(r => !allowed.Any(a => r == a || r.StartsWith(a + ".", StringComparison.Ordinal))).ToList();
        Assert.True(bad.Count == 0, "Catalytic.Runner references " + string.Join(", ", bad));
    }

    [Fact]
    public void Runner_DeclaresNoNativeEntryPointOfItsOwn()
    {
        var declared = SourceFiles.Where(f => File.ReadAllText(f) is var text
            && (text.Contains("[LibraryImport(", StringComparison.Ordinal) || text.Contains("[DllImport(", StringComparison.Ordinal))).ToList();
        Assert.True(declared.Count == 0, "libc belongs in Catalytic.Platform: " + string.Join(", ", declared));
    }

    [Fact]
    public void Runner_NoFileOver500LinesWithoutSayingWhyAtItsTop()
    {
        var long_ = SourceFiles.Select(f => (File: f, Lines: File.ReadAllLines(f)))
            .Where(f => f.Lines.Length > 500 && !f.Lines.Take(15).Any(l => l.Contains("one piece", StringComparison.OrdinalIgnoreCase)))
            .Select(f => $"{Path.GetRelativePath(SourceRoot, f.File)} ({f.Lines.Length} lines)")
            .ToList();
        Assert.True(long_.Count == 0, "over 500 lines without an opening comment saying why it is one piece: " + string.Join(", ", long_));
    }

    [Fact]
    public void Runner_NoClassHasMoreThanTwelveMutableFields()
    {
        var heavy = Runner.GetTypes()
            .Where(t => !t.IsDefined(typeof(CompilerGeneratedAttribute)) && !t.Name.Contains('<', StringComparison.Ordinal) && !t.IsEnum && !t.IsInterface
                && !typeof(System.Text.Json.Serialization.JsonSerializerContext).IsAssignableFrom(t)) // generated caches of type metadata
            .Select(t => (Type: t, Fields: MutableFields(t)))
            .Where(t => t.Fields.Count > 12)
            .Select(t => $"{t.Type.FullName}: {string.Join(", ", t.Fields)}")
            .ToList();
        Assert.True(heavy.Count == 0, "more than 12 mutable fields: " + string.Join("; ", heavy));
    }

    /// <summary>Fields that can change after construction: not readonly, not const, and not behind an init-only property.</summary>
    private static List<string> MutableFields(Type type)
    {
        var initOnly = type.GetProperties(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
            .Where(p => p.SetMethod?.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(IsExternalInit)) == true)
            .Select(p => $"<{p.Name}>k__BackingField")
            .ToHashSet(StringComparer.Ordinal);
        return [.. type.GetFields(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
            .Where(f => !f.IsInitOnly && !f.IsLiteral && !initOnly.Contains(f.Name))
            .Select(f => f.Name)];
    }
}
