using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Catalytic.Pipelines.Repositories;

/// <summary>What one git command did: its exit code and output (stderr already stripped of credentials by the caller's URL).</summary>
internal sealed record GitResult(int ExitCode, string Output, string Error)
{
    public bool Ok => ExitCode == 0;

    /// <summary>The first line of stderr, or of stdout when stderr is empty, for a reason a person can read.</summary>
    public string Reason
    {
        get
        {
            var text = Error.Length > 0 ? Error : Output;
            var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var fatal = lines.FirstOrDefault(l => l.StartsWith("fatal:", StringComparison.Ordinal) || l.StartsWith("error:", StringComparison.Ordinal));
            return fatal ?? lines.FirstOrDefault() ?? $"git exited with {ExitCode}";
        }
    }
}

/// <summary>
/// Runs the git program. The server's repositories are read and fetched with git itself (as GitHub's runner and
/// Gitea do): its ref and object formats, transports and credentials are git's, not re-implemented here. Every command
/// runs without a terminal prompt (a fetch that needs a password fails instead of hanging), with C locale messages,
/// and is killed with its children when <c>ct</c> is cancelled.
/// </summary>
internal static class Git
{
    /// <summary>Runs <c>git ARGS</c> in <paramref name="directory"/>; <paramref name="environment"/> adds variables (credentials).</summary>
    public static async Task<GitResult> RunAsync(
        string directory,
        IEnumerable<string> args,
        CancellationToken ct,
        IReadOnlyDictionary<string, string>? environment = null,
        string? input = null)
    {
        var psi = new ProcessStartInfo("git")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = input is not null,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["GIT_TERMINAL_PROMPT"] = "0";
        psi.Environment["GIT_ASKPASS"] = "";
        psi.Environment["SSH_ASKPASS"] = "";
        psi.Environment["LC_ALL"] = "C";
        // The server's git must not be steered by the user's repository-independent settings in odd ways (an
        // interactive credential helper, a pager); the system and global configs still apply (proxies, CA bundles).
        psi.Environment["GIT_PAGER"] = "cat";
        psi.Environment.Remove("GIT_DIR");
        psi.Environment.Remove("GIT_WORK_TREE");
        psi.Environment.Remove("GIT_INDEX_FILE");
        if (environment is not null)
        {
            foreach (var (k, v) in environment)
            {
                psi.Environment[k] = v;
            }
        }

        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException("git did not start");
        }
        catch (Win32Exception e)
        {
            return new GitResult(127, "", "fatal: cannot run git: " + e.Message);
        }

        using (process)
        {
            await using var kill = ct.Register(() =>
            {
                try
                {
                    process.Kill(entireProcessTree: true);
                }
                catch (InvalidOperationException)
                {
                    // Already exited.
                }
            });
            var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
            var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
            if (input is not null)
            {
                try
                {
                    await process.StandardInput.WriteAsync(input.AsMemory(), CancellationToken.None);
                    process.StandardInput.Close();
                }
                catch (IOException)
                {
                    // git exited before reading everything; its exit code says why.
                }
            }

            var output = await stdout;
            var error = await stderr;
            await process.WaitForExitAsync(CancellationToken.None);
            ct.ThrowIfCancellationRequested();
            return new GitResult(process.ExitCode, output, error);
        }
    }

    /// <summary>True for a full object id (SHA-1 or SHA-256, lower-case hex).</summary>
    public static bool IsObjectId(string? value) =>
        value is { Length: 40 or 64 } && value.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    /// <summary>The all-zero id GitHub uses for "no commit" (a created or deleted ref's before/after).</summary>
    public const string ZeroId = "0000000000000000000000000000000000000000";

    /// <summary>
    /// True when <paramref name="name"/> is a branch or tag ref git accepts (git check-ref-format's rules) and cannot be
    /// taken for an option: what a webhook names is checked with this before it reaches a git command line.
    /// </summary>
    public static bool IsSafeRef(string? name)
    {
        if (name is null || name.Length > 1024 || !(name.StartsWith("refs/heads/", StringComparison.Ordinal) || name.StartsWith("refs/tags/", StringComparison.Ordinal)))
        {
            return false;
        }

        if (name.EndsWith('/') || name.EndsWith(".lock", StringComparison.Ordinal) || name.EndsWith('.')
            || name.Contains("..", StringComparison.Ordinal) || name.Contains("@{", StringComparison.Ordinal) || name.Contains("//", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var component in name.Split('/'))
        {
            if (component.Length == 0 || component[0] == '.' || component[0] == '-')
            {
                return false;
            }
        }

        return !name.Any(c => c < 0x20 || c == 0x7f || c is ' ' or '~' or '^' or ':' or '?' or '*' or '[' or '\\');
    }

    /// <summary><paramref name="url"/> with any user:password@ removed, for messages and payloads.</summary>
    public static string Redact(string url)
    {
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0)
        {
            return url;
        }

        var at = url.IndexOf('@', scheme + 3);
        var slash = url.IndexOf('/', scheme + 3);
        return at > 0 && (slash < 0 || at < slash) ? url[..(scheme + 3)] + url[(at + 1)..] : url;
    }
}
