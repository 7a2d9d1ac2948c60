namespace Catalytic.Runner.Processes;

/// <summary>Where programs are: a lookup on PATH, and the <c>setsid</c> program for the steps started without posix_spawn.</summary>
internal static class Programs
{
    private static readonly Lazy<string?> SetsidPath = new(() => FindOnPath("setsid"));

    /// <summary>The <c>setsid</c> program, or null where there is none (then only the direct child can be signalled).</summary>
    public static string? Setsid => OperatingSystem.IsWindows() ? null : SetsidPath.Value;

    /// <summary>Finds an executable on PATH (the runner's own PATH, or the one given).</summary>
    public static string? FindOnPath(string name, string? path = null)
    {
        if (name.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(name) ? name : null;
        }

        foreach (var dir in (path ?? Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
