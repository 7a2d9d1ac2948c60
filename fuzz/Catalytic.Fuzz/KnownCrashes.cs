namespace Catalytic.Fuzz;

/// <summary>
/// The crashes listed in fuzz/known-crashes.txt (a target, an exception type, a frame its stack must hold, and why it
/// is known): found, reported, owned elsewhere. A replay counts them apart, so a known crash does not fail a run while
/// an unknown one does.
/// </summary>
public sealed class KnownCrashes
{
    private readonly List<(string Target, string Exception, string Frame, string Why)> _entries = [];

    /// <summary>The entries of <paramref name="path"/> (none when null or missing).</summary>
    public static KnownCrashes Load(string? path)
    {
        var known = new KnownCrashes();
        if (path is null || !File.Exists(path))
        {
            return known;
        }

        foreach (var line in File.ReadLines(path))
        {
            var parts = line.Split(' ', 4, StringSplitOptions.RemoveEmptyEntries);
            if (line.StartsWith('#') || parts.Length < 4)
            {
                continue;
            }

            known._entries.Add((parts[0], parts[1], parts[2], parts[3]));
        }

        return known;
    }

    /// <summary>Why <paramref name="exception"/> from <paramref name="target"/> is known, or null when it is not.</summary>
    public string? Match(string target, Exception exception)
    {
        var stack = exception.StackTrace ?? "";
        foreach (var (t, type, frame, why) in _entries)
        {
            if (t == target && exception.GetType().Name == type && stack.Contains($" at {frame}", StringComparison.Ordinal))
            {
                return why;
            }
        }

        return null;
    }
}
