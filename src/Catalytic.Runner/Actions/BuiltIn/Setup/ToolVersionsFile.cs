namespace Catalytic.Runner.Actions.BuiltIn.Setup;

/// <summary>
/// asdf's <c>.tool-versions</c>, as the setup actions' <c>*-version-file</c> inputs accept it: one line a tool,
/// <c>TOOL VERSION…</c> (<c>nodejs 20.11.1</c>, <c>golang 1.22.0</c>, <c>java temurin-17.0.1</c>).
/// </summary>
internal static class ToolVersionsFile
{
    /// <summary>The file's name; a version file input naming it is read as this format.</summary>
    public const string Name = ".tool-versions";

    /// <summary>True when <paramref name="input"/> names a .tool-versions file.</summary>
    public static bool Is(string input) => Path.GetFileName(input) == Name;

    /// <summary>What follows <paramref name="tool"/> on its first line (as written, trimmed); null when no line names it.</summary>
    public static string? Find(string text, string tool) =>
        text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(tool + " ", StringComparison.Ordinal)) is { } line
            ? line[(tool.Length + 1)..].Trim()
            : null;
}
