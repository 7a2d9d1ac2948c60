using System.Reflection;
using System.Runtime.CompilerServices;

namespace Catalytic.Testing.Architecture;

/// <summary>
/// The size rules of HELPERS.md and issue 11's acceptance, as checks a test asserts empty: no file in <c>src/</c> over
/// 500 lines unless its opening comment says why it is one piece; no class with more than 12 mutable fields. Each
/// returns what breaks the rule, named (the file and its length, the class and its fields).
/// </summary>
public static class SourceRules
{
    /// <summary>The most lines a source file has before its opening comment must say why it is one piece.</summary>
    public const int MaxLines = 500;

    /// <summary>The most mutable fields a class has.</summary>
    public const int MaxMutableFields = 12;

    /// <summary>The repository's root (the folder holding Catalytic.slnx), found above the test's folder.</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Catalytic.slnx")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("the repository root (Catalytic.slnx) is not above the test's folder");
        }
    }

    /// <summary>The C# files below <paramref name="root"/>, build output left out.</summary>
    public static IEnumerable<string> SourceFiles(string root) =>
        Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));

    /// <summary>The files below <paramref name="root"/> over <see cref="MaxLines"/> lines whose first 15 lines do not say "one piece", as "path (N lines)".</summary>
    public static IReadOnlyList<string> LongFiles(string root) =>
        [.. SourceFiles(root).Select(f => (File: f, Lines: File.ReadAllLines(f)))
            .Where(f => f.Lines.Length > MaxLines && !f.Lines.Take(15).Any(l => l.Contains("one piece", StringComparison.OrdinalIgnoreCase)))
            .Select(f => $"{Path.GetRelativePath(root, f.File)} ({f.Lines.Length} lines)")
            .Order(StringComparer.Ordinal)];

    /// <summary>The classes of <paramref name="assembly"/> with more than <see cref="MaxMutableFields"/> mutable fields, as "Type: field, field…".</summary>
    public static IReadOnlyList<string> HeavyClasses(Assembly assembly) =>
        [.. assembly.GetTypes()
            .Where(t => !t.IsDefined(typeof(CompilerGeneratedAttribute)) && !t.Name.Contains('<', StringComparison.Ordinal) && !t.IsEnum && !t.IsInterface
                && !IsJsonContext(t)) // generated caches of type metadata
            .Select(t => (Type: t, Fields: MutableFields(t)))
            .Where(t => t.Fields.Count > MaxMutableFields)
            .Select(t => $"{t.Type.FullName}: {string.Join(", ", t.Fields)}")];

    /// <summary>Fields that can change after construction: not readonly, not const, and not behind an init-only property.</summary>
    public static IReadOnlyList<string> MutableFields(Type type)
    {
        var initOnly = type.GetProperties(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
            .Where(p => p.SetMethod?.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(IsExternalInit)) == true)
            .Select(p => $"<{p.Name}>k__BackingField")
            .ToHashSet(StringComparer.Ordinal);
        return [.. type.GetFields(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
            .Where(f => !f.IsInitOnly && !f.IsLiteral && !initOnly.Contains(f.Name))
            .Select(f => f.Name)];
    }

    private static bool IsJsonContext(Type type)
    {
        for (var t = type.BaseType; t is not null; t = t.BaseType)
        {
            if (t.FullName == "System.Text.Json.Serialization.JsonSerializerContext")
            {
                return true;
            }
        }

        return false;
    }
}
