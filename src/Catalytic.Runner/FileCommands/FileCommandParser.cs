namespace Catalytic.Runner.FileCommands;

/// <summary>
/// Reads the files behind GITHUB_ENV, GITHUB_OUTPUT and GITHUB_STATE (<c>name=value</c> lines and
/// <c>name&lt;&lt;DELIMITER</c> heredocs) and GITHUB_PATH (one directory a line).
/// </summary>
public static class FileCommandParser
{
    /// <summary>Parses a key/value command file. Errors name the file and line; pairs before an error are kept.</summary>
    public static (List<KeyValuePair<string, string>> Pairs, string? Error) ParseKeyValues(string content, string fileLabel)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        if (string.IsNullOrEmpty(content))
        {
            return (pairs, null);
        }

        var lines = content.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.Length == 0)
            {
                continue;
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            var heredoc = line.IndexOf("<<", StringComparison.Ordinal);
            if (eq >= 0 && (heredoc < 0 || eq < heredoc))
            {
                var key = line[..eq];
                if (key.Length == 0)
                {
                    return (pairs, $"{fileLabel}: line {i + 1}: invalid format '{line}': the name is empty");
                }

                pairs.Add(new(key, line[(eq + 1)..]));
            }
            else if (heredoc >= 0)
            {
                var key = line[..heredoc];
                var delimiter = line[(heredoc + 2)..];
                if (key.Length == 0 || delimiter.Length == 0)
                {
                    return (pairs, $"{fileLabel}: line {i + 1}: invalid format '{line}': a heredoc needs a name and a delimiter");
                }

                var start = i + 1;
                var end = start;
                while (end < lines.Length && lines[end] != delimiter)
                {
                    end++;
                }

                if (end >= lines.Length)
                {
                    return (pairs, $"{fileLabel}: line {i + 1}: matching delimiter '{delimiter}' not found for '{key}'");
                }

                pairs.Add(new(key, string.Join('\n', lines[start..end])));
                i = end;
            }
            else
            {
                return (pairs, $"{fileLabel}: line {i + 1}: invalid format '{line}' (expected NAME=VALUE or NAME<<DELIMITER)");
            }
        }

        return (pairs, null);
    }

    /// <summary>Parses GITHUB_PATH: trimmed non-blank lines in the order written.</summary>
    public static List<string> ParsePaths(string content) =>
        content.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
}
