namespace Catalytic.Cli;

/// <summary>
/// The parsed arguments of one verb: options by their long name, positionals in order.
/// A verb declares its options up front so an unknown or malformed one is a usage error (exit 2).
/// </summary>
public sealed class CliArgs
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);

    private CliArgs(List<string> positionals, TimeProvider time)
    {
        Positionals = positionals;
        Time = time;
    }

    public IReadOnlyList<string> Positionals { get; }

    /// <summary>The clock of this invocation: every wait, timeout and timestamp of the verb (the host names it once, in <see cref="CommandLine"/>).</summary>
    public TimeProvider Time { get; }

    public bool Has(string name) => _values.ContainsKey(name);

    public string? Get(string name) => _values.TryGetValue(name, out var v) ? v[^1] : null;

    public IReadOnlyList<string> GetAll(string name) => _values.TryGetValue(name, out var v) ? v : [];

    public string? Positional(int index) => index < Positionals.Count ? Positionals[index] : null;

    /// <summary>Parses <paramref name="args"/> against <paramref name="spec"/>; throws <see cref="UsageException"/> on misuse.</summary>
    public static CliArgs Parse(IReadOnlyList<string> args, CommandSpec spec, TimeProvider time)
    {
        var positionals = new List<string>();
        var result = new CliArgs(positionals, time);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (arg == "--")
            {
                positionals.AddRange(args.Skip(i + 1));
                break;
            }

            if (arg.Length > 1 && arg[0] == '-' && !IsNumber(arg))
            {
                string name;
                string? inline = null;
                if (arg.StartsWith("--", StringComparison.Ordinal))
                {
                    var eq = arg.IndexOf('=', StringComparison.Ordinal);
                    name = eq < 0 ? arg[2..] : arg[2..eq];
                    inline = eq < 0 ? null : arg[(eq + 1)..];
                }
                else
                {
                    name = arg[1..];
                }

                var option = spec.Find(name)
                    ?? throw new UsageException($"unknown option '{arg}' for '{spec.Name}'. Try 'catalytic {spec.Name} --help'.");
                if (option.IsFlag)
                {
                    if (inline is not null)
                    {
                        throw new UsageException($"option '--{option.Name}' takes no value");
                    }

                    result.Add(option.Name, "true");
                    continue;
                }

                var value = inline ?? (i + 1 < args.Count ? args[++i] : throw new UsageException($"option '--{option.Name}' needs a value ({option.ValueName})"));
                result.Add(option.Name, value);
                continue;
            }

            positionals.Add(arg);
        }

        if (positionals.Count > spec.MaxPositionals)
        {
            throw new UsageException($"unexpected argument '{positionals[spec.MaxPositionals]}' for '{spec.Name}'");
        }

        return result;
    }

    private void Add(string name, string value)
    {
        if (!_values.TryGetValue(name, out var list))
        {
            _values[name] = list = [];
        }

        list.Add(value);
    }

    private static bool IsNumber(string s) => double.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out _);
}

/// <summary>A usage error: printed with the verb's name, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>One option of a verb.</summary>
public sealed record OptionSpec(string Name, string? Short, string Help, string? ValueName = null)
{
    public bool IsFlag => ValueName is null;
}

/// <summary>The shape of one verb: its options and how many positionals it takes.</summary>
public sealed record CommandSpec(string Name, string Usage, string Summary, IReadOnlyList<OptionSpec> Options, int MaxPositionals = 0)
{
    public OptionSpec? Find(string name) =>
        name == "h" || name == "help"
            ? new OptionSpec("help", "h", "Show help")
            : Options.FirstOrDefault(o => o.Name == name || o.Short == name);

    public string HelpText()
    {
        var sb = new System.Text.StringBuilder();
        sb.Append("usage: catalytic ").AppendLine(Usage).AppendLine().AppendLine(Summary);
        if (Options.Count > 0)
        {
            sb.AppendLine().AppendLine("options:");
            foreach (var o in Options)
            {
                var head = (o.Short is null ? "    " : $"-{o.Short}, ") + "--" + o.Name + (o.ValueName is null ? "" : " " + o.ValueName);
                sb.Append("  ").Append(head.PadRight(32)).AppendLine(o.Help);
            }
        }

        return sb.ToString();
    }
}
