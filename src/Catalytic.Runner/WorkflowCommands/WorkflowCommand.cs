namespace Catalytic.Runner.WorkflowCommands;

/// <summary>
/// One <c>::name key=value,…::message</c> line written by a step. Properties and message are unescaped
/// (<c>%25</c>, <c>%0D</c>, <c>%0A</c>, and in properties also <c>%3A</c>, <c>%2C</c>).
/// </summary>
public sealed record WorkflowCommand(string Name, IReadOnlyDictionary<string, string> Properties, string Message)
{
    /// <summary>Parses <paramref name="line"/>; null when it is not a command.</summary>
    public static WorkflowCommand? TryParse(string line)
    {
        var trimmed = line.AsSpan().TrimStart();
        if (!trimmed.StartsWith("::"))
        {
            return null;
        }

        var rest = trimmed[2..];
        var end = rest.IndexOf("::");
        if (end < 0)
        {
            return null;
        }

        var head = rest[..end];
        var message = Unescape(rest[(end + 2)..].ToString(), false);
        var space = head.IndexOf(' ');
        var name = (space < 0 ? head : head[..space]).ToString();
        if (name.Length == 0)
        {
            return null;
        }

        var props = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (space >= 0)
        {
            foreach (var pair in head[(space + 1)..].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0)
                {
                    props[pair[..eq].Trim()] = Unescape(pair[(eq + 1)..], true);
                }
            }
        }

        return new WorkflowCommand(name, props, message);
    }

    private static string Unescape(string s, bool property)
    {
        if (!s.Contains('%', StringComparison.Ordinal))
        {
            return s;
        }

        s = s.Replace("%0D", "\r", StringComparison.OrdinalIgnoreCase).Replace("%0A", "\n", StringComparison.OrdinalIgnoreCase);
        if (property)
        {
            s = s.Replace("%3A", ":", StringComparison.OrdinalIgnoreCase).Replace("%2C", ",", StringComparison.OrdinalIgnoreCase);
        }

        return s.Replace("%25", "%", StringComparison.Ordinal);
    }
}

/// <summary>An <c>::error</c>, <c>::warning</c> or <c>::notice</c> raised by a step, with its location when given.</summary>
public sealed record Annotation(string Level, string Message, string? File, int? Line, int? Column, string? Title)
{
    public override string ToString()
    {
        var where = File is null ? "" : File + (Line is { } l ? $":{l}" + (Column is { } c ? $":{c}" : "") : "") + ": ";
        return $"{Level}: {where}{(Title is null ? "" : Title + ": ")}{Message}";
    }
}
