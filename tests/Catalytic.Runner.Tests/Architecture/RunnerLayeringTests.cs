using System.Reflection;
using Catalytic.Runner.Execution;
using Catalytic.Testing.Architecture;

namespace Catalytic.Runner.Tests.Architecture;

/// <summary>
/// Keeps the runner's rules of docs/architecture.md: it knows the workflow model, Catalytic.Platform, Catalytic.Contracts'
/// shapes and logging abstractions only (no HTTP server, storage or delivery, so a worker can carry it anywhere); libc is declared in
/// Platform, not here; the size rules (500 lines, 12 mutable fields) are kept over all of src/ by Cli.Tests/Architecture/SourceRulesTests.
/// </summary>
public sealed class RunnerLayeringTests
{
    private static readonly Assembly Runner = typeof(WorkflowRunner).Assembly;

    private static IEnumerable<string> SourceFiles => SourceRules.SourceFiles(Path.Combine(SourceRules.RepositoryRoot, "src", "Catalytic.Runner"));

    [Fact]
    public void Runner_ReferencesOnlyTheWorkflowModelPlatformAndLoggingAbstractions()
    {
        // YamlDotNet: paths-filter's rules (Actions/BuiltIn/PathsFilter/FilterRules) until their reading moves to
        // Catalytic.Platform's YAML layer; then it goes from this list.
        // Catalytic.Contracts: the shapes that cross processes (a stored log line); it references nothing of ours.
        string[] allowed = ["System", "Microsoft.Win32.Primitives", "Microsoft.Extensions.Logging.Abstractions", "Catalytic.Workflows", "Catalytic.Platform", "Catalytic.Contracts", "YamlDotNet"];
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
}
