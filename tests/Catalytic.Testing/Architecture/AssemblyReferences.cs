using System.Reflection;

namespace Catalytic.Testing.Architecture;

/// <summary>
/// What an assembly references, for the layering tests that keep docs/architecture.md's dependency rule true: each
/// test project states what its product assembly may reference, and anything else fails the build's tests.
/// </summary>
public static class AssemblyReferences
{
    /// <summary>The names of the assemblies <paramref name="assembly"/> references, the base class library left out.</summary>
    public static IReadOnlyList<string> Of(Assembly assembly) =>
        [.. assembly.GetReferencedAssemblies().Select(a => a.Name!).Where(n => !IsBaseClassLibrary(n)).Order(StringComparer.Ordinal)];

    /// <summary>
    /// The references of <paramref name="assembly"/> (beyond the base class library) that are none of
    /// <paramref name="allowed"/>; an entry ending in ".*" allows a name and everything under it.
    /// </summary>
    public static IReadOnlyList<string> Outside(Assembly assembly, params string[] allowed) =>
        [.. Of(assembly).Where(name => !allowed.Any(a => Matches(name, a)))];

    /// <summary>The references of <paramref name="assembly"/> that are any of <paramref name="forbidden"/> (".*" as in <see cref="Outside"/>).</summary>
    public static IReadOnlyList<string> Among(Assembly assembly, params string[] forbidden) =>
        [.. Of(assembly).Where(name => forbidden.Any(f => Matches(name, f)))];

    private static bool Matches(string name, string pattern) =>
        pattern.EndsWith(".*", StringComparison.Ordinal)
            ? name == pattern[..^2] || name.StartsWith(pattern[..^1], StringComparison.Ordinal)
            : name == pattern;

    /// <summary>The runtime's own assemblies, Microsoft.Win32.Primitives among them (Win32Exception, which Process throws).</summary>
    private static bool IsBaseClassLibrary(string name) =>
        name is "System" or "netstandard" or "mscorlib" or "Microsoft.Win32.Primitives" || name.StartsWith("System.", StringComparison.Ordinal);
}
