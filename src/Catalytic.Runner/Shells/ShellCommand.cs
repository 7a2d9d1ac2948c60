using Catalytic.Runner.Processes;

namespace Catalytic.Runner.Shells;

/// <summary>
/// How a `run:` script is started: the program, its arguments with the script path substituted for
/// <c>{0}</c>, the script file's extension, and any text GitHub wraps around the script.
/// </summary>
public sealed record ShellCommand(string Program, IReadOnlyList<string> Arguments, string Extension, string DisplayName)
{
    /// <summary>The script as written to the file (pwsh gets GitHub's preamble and exit-code epilogue).</summary>
    public Func<string, string> WrapScript { get; init; } = s => s;

    /// <summary>Arguments with <c>{0}</c> replaced by <paramref name="scriptPath"/>.</summary>
    public IReadOnlyList<string> ArgumentsFor(string scriptPath) =>
        Arguments.Select(a => a.Replace("{0}", scriptPath, StringComparison.Ordinal)).ToArray();
}

/// <summary>Result of resolving `shell:`: the command, or why it cannot be used.</summary>
public sealed record ShellResolution(ShellCommand? Command, string? Error);

/// <summary>
/// GitHub's shell table for Linux/macOS runners:
/// unspecified → <c>bash -e {0}</c> (or <c>sh -e {0}</c> without bash);
/// bash → <c>bash --noprofile --norc -eo pipefail {0}</c>; sh → <c>sh -e {0}</c>;
/// python → <c>python {0}</c>; pwsh → <c>pwsh -command ". '{0}'"</c>; anything else is a custom
/// command template that must contain <c>{0}</c>.
/// </summary>
public static class ShellResolver
{
    /// <summary>Resolves <paramref name="shell"/> (null or empty = unspecified) against <paramref name="path"/> (the step's PATH).</summary>
    public static ShellResolution Resolve(string? shell, string? path) => ResolveWith(shell, name => Programs.FindOnPath(name, path));

    /// <summary>Resolves <paramref name="shell"/> with <paramref name="find"/> telling where a program is (null: absent), e.g. inside a job container.</summary>
    public static ShellResolution ResolveWith(string? shell, Func<string, string?> find)
    {
        string? Find(string name) => find(name);
        shell = shell?.Trim();
        if (string.IsNullOrEmpty(shell))
        {
            var bash = Find("bash");
            return bash is not null
                ? Ok(new ShellCommand(bash, ["-e", "{0}"], ".sh", "bash -e {0}"))
                : Ok(new ShellCommand(Find("sh") ?? "/bin/sh", ["-e", "{0}"], ".sh", "sh -e {0}"));
        }

        switch (shell)
        {
            case "bash":
                {
                    var bash = Find("bash");
                    if (bash is null)
                    {
                        // GitHub: "Falls back to sh" when bash is missing.
                        var sh = Find("sh");
                        return sh is null ? Fail("bash") : Ok(new ShellCommand(sh, ["-e", "{0}"], ".sh", "sh -e {0}"));
                    }

                    return Ok(new ShellCommand(bash, ["--noprofile", "--norc", "-eo", "pipefail", "{0}"], ".sh", "bash --noprofile --norc -eo pipefail {0}"));
                }

            case "sh":
                return Find("sh") is { } shPath ? Ok(new ShellCommand(shPath, ["-e", "{0}"], ".sh", "sh -e {0}")) : Fail("sh");
            case "python":
                {
                    var python = Find("python") ?? Find("python3");
                    return python is null ? Fail("python") : Ok(new ShellCommand(python, ["{0}"], ".py", "python {0}"));
                }

            case "node":
                return Find("node") is { } node ? Ok(new ShellCommand(node, ["{0}"], ".js", "node {0}")) : Fail("node");
            case "pwsh":
            case "powershell":
                {
                    var pwsh = Find("pwsh");
                    return pwsh is null
                        ? Fail(shell)
                        : Ok(new ShellCommand(pwsh, ["-command", ". '{0}'"], ".ps1", "pwsh -command \". '{0}'\"")
                        {
                            WrapScript = s => "$ErrorActionPreference = 'stop'\n" + s
                                + "\nif ((Test-Path -LiteralPath variable:\\LASTEXITCODE)) { exit $LASTEXITCODE }\n",
                        });
                }

            case "cmd":
                return new ShellResolution(null, "shell 'cmd' is only available on Windows");
            default:
                return Custom(shell, Find);
        }
    }

    private static ShellResolution Custom(string template, Func<string, string?> find)
    {
        if (!template.Contains("{0}", StringComparison.Ordinal))
        {
            return new ShellResolution(null, $"custom shell '{template}' must contain '{{0}}' where the script path goes");
        }

        var parts = SplitArguments(template);
        var program = find(parts[0]) ?? (File.Exists(parts[0]) ? parts[0] : null);
        if (program is null)
        {
            return new ShellResolution(null, $"shell program '{parts[0]}' was not found on PATH");
        }

        // GitHub picks the extension from the program name for the known shells, none otherwise.
        var ext = Path.GetFileName(parts[0]) switch
        {
            "bash" or "sh" => ".sh",
            "python" or "python3" => ".py",
            "pwsh" or "powershell" => ".ps1",
            "node" => ".js",
            _ => "",
        };
        return Ok(new ShellCommand(program, parts.Skip(1).ToArray(), ext, template));
    }

    /// <summary>Splits a command line on spaces, honouring double and single quotes.</summary>
    internal static List<string> SplitArguments(string commandLine)
    {
        var result = new List<string>();
        var current = new System.Text.StringBuilder();
        char? quote = null;
        var any = false;
        foreach (var c in commandLine)
        {
            if (quote is { } q)
            {
                if (c == q)
                {
                    quote = null;
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                any = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (current.Length > 0 || any)
                {
                    result.Add(current.ToString());
                    current.Clear();
                    any = false;
                }
            }
            else
            {
                current.Append(c);
            }
        }

        if (current.Length > 0 || any)
        {
            result.Add(current.ToString());
        }

        return result;
    }

    private static ShellResolution Ok(ShellCommand command) => new(command, null);

    private static ShellResolution Fail(string shell) => new(null, $"shell '{shell}' was not found on PATH");
}
