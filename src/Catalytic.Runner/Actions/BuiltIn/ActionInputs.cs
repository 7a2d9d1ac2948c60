namespace Catalytic.Runner.Actions.BuiltIn;

/// <summary>Reads `with:` inputs the way the toolkit's `core.getInput` does: trimmed, empty when absent.</summary>
internal static class ActionInputs
{
    public static string Get(this ActionContext context, string name) =>
        context.Inputs.TryGetValue(name, out var value) ? value.Trim() : string.Empty;

    /// <summary>YAML 1.2 core booleans like `core.getBooleanInput`; <paramref name="fallback"/> when absent or unrecognised.</summary>
    public static bool GetBool(this ActionContext context, string name, bool fallback)
    {
        var value = context.Get(name);
        return value switch
        {
            "true" or "True" or "TRUE" => true,
            "false" or "False" or "FALSE" => false,
            _ => fallback,
        };
    }

    /// <summary>Non-empty trimmed lines (`core.getMultilineInput`).</summary>
    public static IReadOnlyList<string> GetLines(this ActionContext context, string name) =>
        context.Get(name).Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();

    /// <summary>A variable from the step's environment, falling back to the process's.</summary>
    public static string? Env(this ActionContext context, string name) =>
        context.Environment.TryGetValue(name, out var value) ? value : System.Environment.GetEnvironmentVariable(name);

    public static string Home(this ActionContext context) =>
        context.Env("HOME") is { Length: > 0 } home ? home : System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile);

    /// <summary>Resolves a user path against the workspace, expanding a leading `~`.</summary>
    public static string ResolvePath(this ActionContext context, string path)
    {
        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal))
        {
            path = context.Home() + path[1..];
        }

        return Path.GetFullPath(Path.Combine(context.Workspace, path));
    }

    public static string GithubValue(this ActionContext context, string name) =>
        context.Github.TryGetValue(name, out var value) ? value : string.Empty;
}
