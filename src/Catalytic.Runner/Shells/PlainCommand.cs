using Catalytic.Platform.Linux;
using Catalytic.Runner.Processes;

namespace Catalytic.Runner.Shells;

/// <summary>
/// make's fast path for <c>run:</c> scripts: a script that is one plain command — words of ordinary characters, no
/// quoting, expansion, redirection, operator or comment, naming a program rather than a builtin or keyword — is
/// exec'd directly instead of through bash, saving bash's start-up (about 2.5 ms a step) where nothing could tell the
/// difference. The program gets the environment bash would have given it: <c>SHLVL</c> one deeper, <c>PWD</c> the
/// working directory and <c>_</c> the program's path. Anything else, and any doubt, goes through the shell.
/// </summary>
internal static class PlainCommand
{
    // What bash runs itself: builtins (bash 5.2, `enable -a`) and reserved words. A script starting with one of them
    // goes through bash.
    private static readonly HashSet<string> ShellWords = new(StringComparer.Ordinal)
    {
        ".", ":", "[", "alias", "bg", "bind", "break", "builtin", "caller", "cd", "command", "compgen", "complete",
        "compopt", "continue", "declare", "dirs", "disown", "echo", "enable", "eval", "exec", "exit", "export", "false",
        "fc", "fg", "getopts", "hash", "help", "history", "jobs", "kill", "let", "local", "logout", "mapfile", "popd",
        "printf", "pushd", "pwd", "read", "readarray", "readonly", "return", "set", "shift", "shopt", "source",
        "suspend", "test", "times", "trap", "true", "type", "typeset", "ulimit", "umask", "unalias", "unset", "wait",
        "if", "then", "else", "elif", "fi", "case", "esac", "for", "select", "while", "until", "do", "done", "in",
        "function", "time", "coproc",
    };

    /// <summary>
    /// The process that runs <paramref name="script"/> without a shell, or null when it must go through
    /// <paramref name="shell"/>: only bash scripts (GitHub's default shell and <c>shell: bash</c>) qualify. When it
    /// returns one, the variables bash would have set (<c>SHLVL</c>, <c>PWD</c>, <c>_</c>) are set in
    /// <paramref name="environment"/>, which is the process's environment.
    /// </summary>
    public static ProcessSpec? TryDirect(ShellCommand shell, string script, string workingDirectory, Dictionary<string, string> environment)
    {
        // Only a spawn that sets argv[0] as bash would (Process.Start cannot) and only bash scripts (GitHub's default
        // shell and `shell: bash`).
        if (!SpawnedProcess.IsSupported || Path.GetFileName(shell.Program) != "bash")
        {
            return null;
        }

        var words = Words(script.TrimEnd('\n', '\r', ' ', '\t'));
        if (words is null || words.Count == 0 || ShellWords.Contains(words[0]) || words[0].Contains('=', StringComparison.Ordinal)
            || words[0][0] == '-')
        {
            return null;
        }

        // Variables bash reads at start-up or takes functions from could change what the word means.
        if (environment.ContainsKey("BASH_ENV") || environment.ContainsKey("ENV")
            || environment.Keys.Any(k => k.StartsWith("BASH_FUNC_", StringComparison.Ordinal)))
        {
            return null;
        }

        // bash keeps an inherited PWD that names its directory by another path, and otherwise sets the physical one.
        var level = ShellLevel(environment.GetValueOrDefault("SHLVL"));
        if (level is null || Files.RealPath(workingDirectory) != workingDirectory
            || (environment.TryGetValue("PWD", out var pwd) && pwd != workingDirectory && Files.RealPath(pwd) == workingDirectory))
        {
            return null;
        }

        // As bash execs it (and names it in `_`): a name with a slash as written, relative to the working directory;
        // otherwise the first executable file of that name on PATH.
        var written = words[0].Contains('/', StringComparison.Ordinal);
        var program = written ? words[0] : Search(words[0], environment.GetValueOrDefault("PATH"));
        // Not found, not executable, or a script without #! (bash would run it itself): bash says what it says.
        if (program is null)
        {
            return null;
        }

        var path = Path.GetFullPath(program, workingDirectory);
        if ((written && !IsExecutableFile(path)) || !RunsWithoutAShell(path))
        {
            return null;
        }

        environment["SHLVL"] = level.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        environment["PWD"] = workingDirectory;
        environment["_"] = program;
        return new ProcessSpec(program, words.Skip(1).ToArray(), workingDirectory, environment) { ArgumentZero = words[0] };
    }

    /// <summary>The script's words, or null when it holds anything a shell would interpret.</summary>
    private static List<string>? Words(string script)
    {
        var words = new List<string>();
        var start = -1;
        for (var i = 0; i <= script.Length; i++)
        {
            var c = i < script.Length ? script[i] : ' ';
            if (c is ' ' or '\t')
            {
                if (start >= 0)
                {
                    words.Add(script[start..i]);
                    start = -1;
                }
            }
            else if (char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '/' or ':' or ',' or '+' or '=' or '@' or '%' or '-')
            {
                if (start < 0)
                {
                    start = i;
                }
            }
            else
            {
                // Newlines, quotes, $, `, \, globs, braces, ~, #, ;, &, |, <, >, (, ), !, ^ and anything non-ASCII.
                return null;
            }
        }

        return words;
    }

    /// <summary>bash's new SHLVL (its parent's plus one), or null where bash would do something unusual (warn, reset).</summary>
    private static int? ShellLevel(string? inherited)
    {
        if (string.IsNullOrEmpty(inherited))
        {
            return 1;
        }

        return inherited.Length <= 3 && inherited.All(char.IsAsciiDigit) && int.Parse(inherited, System.Globalization.CultureInfo.InvariantCulture) < 998
            ? int.Parse(inherited, System.Globalization.CultureInfo.InvariantCulture) + 1
            : null;
    }

    /// <summary>The first executable file named <paramref name="name"/> in PATH's directories.</summary>
    private static string? Search(string name, string? path)
    {
        var dirs = (path ?? "").Split(':');
        if (dirs.Any(d => !d.StartsWith('/') || (d.Length > 1 && d.EndsWith('/'))))
        {
            // Empty or relative entries are searched from the working directory, and bash keeps a trailing slash in
            // the path it runs: rare, left to bash.
            return null;
        }

        foreach (var dir in dirs)
        {
            var candidate = dir == "/" ? "/" + name : dir + "/" + name;
            if (IsExecutableFile(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>A file this process may execute (what bash's PATH search looks for).</summary>
    private static bool IsExecutableFile(string path) => File.Exists(path) && Files.Access(path, Files.ExecuteOk) == 0;

    /// <summary>An executable the kernel runs itself: an ELF binary or a script with a #! line.</summary>
    private static bool RunsWithoutAShell(string program)
    {
        try
        {
            Span<byte> head = stackalloc byte[4];
            using var file = File.OpenHandle(program);
            var read = RandomAccess.Read(file, head, 0);
            return (read >= 4 && head[0] == 0x7f && head[1] == (byte)'E' && head[2] == (byte)'L' && head[3] == (byte)'F')
                || (read >= 2 && head[0] == (byte)'#' && head[1] == (byte)'!');
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
