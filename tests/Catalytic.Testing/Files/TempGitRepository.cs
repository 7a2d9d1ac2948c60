using System.Diagnostics;
using Catalytic.Testing.Waiting;

namespace Catalytic.Testing.Files;

/// <summary>
/// A real git repository in a temporary folder, for tests of what reads repositories (checkout, paths filters, the
/// pipeline server's triggers): files are written and committed with the git program, on branch main, by a fixed
/// author, so commits are reproducible except for their time.
/// </summary>
public sealed class TempGitRepository : IDisposable
{
    private readonly TempFolder _folder;

    private TempGitRepository(TempFolder folder) => _folder = folder;

    /// <summary>The working tree.</summary>
    public string Path => _folder.Path;

    /// <summary>Writes one file of the working tree (not committed); returns its full path.</summary>
    public string Write(string relative, string content) => _folder.Write(relative, content);

    /// <summary>The full path of <paramref name="relative"/> in the working tree.</summary>
    public string this[string relative] => _folder[relative];

    /// <summary>Creates an empty repository on branch main.</summary>
    public static async Task<TempGitRepository> CreateAsync(string purpose = "repo")
    {
        var repo = new TempGitRepository(new TempFolder(purpose));
        await repo.GitAsync("init", "-q", "-b", "main");
        return repo;
    }

    /// <summary>Writes <paramref name="files"/> (relative path → content), commits them all with <paramref name="message"/>; returns the commit's sha.</summary>
    public async Task<string> CommitAsync(string message, IReadOnlyDictionary<string, string> files)
    {
        foreach (var (path, content) in files)
        {
            _folder.Write(path, content);
        }

        await GitAsync("add", "-A");
        await GitAsync("commit", "-q", "-m", message);
        return (await GitAsync("rev-parse", "HEAD")).Trim();
    }

    /// <summary>Runs git in the repository; returns its stdout, throws with its stderr when it fails.</summary>
    public async Task<string> GitAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("git") { WorkingDirectory = Path, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        // A fixed identity and no user or system configuration: the machine's git settings do not leak into tests.
        psi.Environment["GIT_AUTHOR_NAME"] = psi.Environment["GIT_COMMITTER_NAME"] = "Catalytic Tests";
        psi.Environment["GIT_AUTHOR_EMAIL"] = psi.Environment["GIT_COMMITTER_EMAIL"] = "tests@catalytic.invalid";
        psi.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        psi.Environment["GIT_CONFIG_GLOBAL"] = "/dev/null";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await Eventually.CompletesAsync(p.WaitForExitAsync(), $"git {string.Join(' ', args)} to exit");
        return p.ExitCode == 0 ? await stdout : throw new InvalidOperationException($"git {string.Join(' ', args)} exited with {p.ExitCode}: {await stderr}");
    }

    /// <inheritdoc/>
    public void Dispose() => _folder.Dispose();
}
