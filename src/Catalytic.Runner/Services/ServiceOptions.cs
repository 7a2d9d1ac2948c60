using System.Text;
using Catalytic.Platform.Text;

namespace Catalytic.Runner.Services;

/// <summary>
/// A service's `options:` (the `docker create` flags) as far as a host service uses them: the `--health-*` flags.
/// Every other flag is listed in <see cref="Ignored"/> so the job can say it was not applied.
/// </summary>
public sealed record ServiceOptions
{
    /// <summary>`--health-cmd`, run with `sh -c` like Docker's CMD-SHELL; null when none is given.</summary>
    public string? HealthCommand { get; init; }

    /// <summary>`--health-interval` (Docker's default 30 s): the wait between two failed checks.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>`--health-timeout` (Docker's default 30 s): how long one check may take.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>`--health-retries` (Docker's default 3): consecutive failures that make the service unhealthy.</summary>
    public int Retries { get; init; } = 3;

    /// <summary>`--health-start-period`: failures within it do not count.</summary>
    public TimeSpan StartPeriod { get; init; } = TimeSpan.Zero;

    /// <summary>The flags that mean nothing for a service run from host binaries (`--entrypoint`, `--network`…).</summary>
    public IReadOnlyList<string> Ignored { get; init; } = [];

    /// <summary>Problems with values (`--health-retries abc`), each naming the flag.</summary>
    public IReadOnlyList<string> Errors { get; init; } = [];

    /// <summary>Parses `options:` with shell quoting: `--health-cmd "pg_isready -U app"`, `--health-cmd='redis-cli ping'`.</summary>
    public static ServiceOptions Parse(string options)
    {
        var tokens = Tokenize(options);
        var result = new ServiceOptions();
        var ignored = new List<string>();
        var errors = new List<string>();
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            string flag;
            string? value;
            var eq = token.IndexOf('=', StringComparison.Ordinal);
            if (token.StartsWith("--", StringComparison.Ordinal) && eq > 0)
            {
                flag = token[..eq];
                value = token[(eq + 1)..];
            }
            else
            {
                flag = token;
                value = null;
            }

            if (!flag.StartsWith("--health-", StringComparison.Ordinal))
            {
                if (flag.StartsWith('-'))
                {
                    ignored.Add(flag);
                }

                continue;
            }

            if (value is null)
            {
                if (i + 1 >= tokens.Count)
                {
                    errors.Add($"{flag} needs a value");
                    continue;
                }

                value = tokens[++i];
            }

            switch (flag)
            {
                case "--health-cmd":
                    result = result with { HealthCommand = value };
                    break;
                case "--health-interval":
                    result = result with { Interval = Duration(flag, value, errors) ?? result.Interval };
                    break;
                case "--health-timeout":
                    result = result with { Timeout = Duration(flag, value, errors) ?? result.Timeout };
                    break;
                case "--health-start-period":
                    result = result with { StartPeriod = Duration(flag, value, errors) ?? result.StartPeriod };
                    break;
                case "--health-retries":
                    if (int.TryParse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var retries) && retries > 0)
                    {
                        result = result with { Retries = retries };
                    }
                    else
                    {
                        errors.Add($"--health-retries '{value}' is not a positive whole number");
                    }

                    break;
                default:
                    // --health-start-interval and future --health-* flags: no effect on the host.
                    ignored.Add(flag);
                    break;
            }
        }

        return result with { Ignored = ignored, Errors = errors };
    }

    private static TimeSpan? Duration(string flag, string value, List<string> errors)
    {
        if (!Durations.TryParse(value, out var parsed))
        {
            errors.Add($"{flag} '{value}' is not a duration (e.g. 10s, 500ms, 1m30s)");
            return null;
        }

        return parsed;
    }

    /// <summary>Splits like a POSIX shell: whitespace separates, single quotes are literal, double quotes and backslashes escape.</summary>
    internal static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        var current = new StringBuilder();
        var inToken = false;
        char quote = '\0';
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quote == '\'')
            {
                if (c == '\'')
                {
                    quote = '\0';
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (quote == '"')
            {
                if (c == '"')
                {
                    quote = '\0';
                }
                else if (c == '\\' && i + 1 < text.Length && text[i + 1] is '"' or '\\' or '$' or '`')
                {
                    current.Append(text[++i]);
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inToken)
                {
                    tokens.Add(current.ToString());
                    current.Clear();
                    inToken = false;
                }
            }
            else
            {
                inToken = true;
                if (c is '\'' or '"')
                {
                    quote = c;
                }
                else if (c == '\\' && i + 1 < text.Length)
                {
                    current.Append(text[++i]);
                }
                else
                {
                    current.Append(c);
                }
            }
        }

        if (inToken)
        {
            tokens.Add(current.ToString());
        }

        return tokens;
    }
}
