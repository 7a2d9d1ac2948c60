using System.Diagnostics;
using Catalytic.Testing.Processes;

namespace Catalytic.Pipelines.Tests.Support;

/// <summary>A real git repository in a temporary folder, with commits made by the real git program.</summary>
public sealed class TestRepository : IDisposable
{
    private static readonly Dictionary<string, string> Identity = new()
    {
        ["GIT_AUTHOR_NAME"] = "Ada", ["GIT_AUTHOR_EMAIL"] = "ada@example.com",
        ["GIT_COMMITTER_NAME"] = "Ada", ["GIT_COMMITTER_EMAIL"] = "ada@example.com",
        ["GIT_CONFIG_GLOBAL"] = "/dev/null", ["GIT_CONFIG_NOSYSTEM"] = "1",
    };

    public TestRepository(bool bare = false, string branch = "main")
    {
        Root = Directory.CreateTempSubdirectory("catalytic-pipelines-").FullName;
        Path = System.IO.Path.Combine(Root, bare ? "repo.git" : "repo");
        Directory.CreateDirectory(Path);
        Git(bare ? ["init", "-q", "--bare", "-b", branch] : ["init", "-q", "-b", branch]);
    }

    /// <summary>The folder holding the repository and anything else the test makes (a state folder).</summary>
    public string Root { get; }

    /// <summary>The repository (work tree, or the bare repository).</summary>
    public string Path { get; }

    /// <summary>A state folder for a server, next to the repository.</summary>
    public string State => System.IO.Path.Combine(Root, "state");

    /// <summary>Writes <paramref name="files"/> (path → content; null deletes) and commits them; the new commit's id.</summary>
    public string Commit(string message, params (string Path, string? Content)[] files)
    {
        foreach (var (path, content) in files)
        {
            var full = System.IO.Path.Combine(Path, path);
            if (content is null)
            {
                File.Delete(full);
                continue;
            }

            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
            File.WriteAllText(full, content);
        }

        Git("add", "-A");
        Git("commit", "-q", "--allow-empty", "-m", message);
        return Git("rev-parse", "HEAD");
    }

    /// <summary>Runs git in the repository; its trimmed output. Fails the test when git fails.</summary>
    public string Git(params string[] args) => Run(Path, args);

    /// <summary>Runs git in <paramref name="directory"/> with a fixed identity and no user config.</summary>
    public static string Run(string directory, params string[] args)
    {
        var psi = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (k, v) in Identity)
        {
            psi.Environment[k] = v;
        }

        var r = ProcessRun.Run(psi);
        if (r.Code != 0)
        {
            throw new InvalidOperationException($"git {string.Join(' ', args)} failed ({r.Code}): {r.Err}");
        }

        return r.Out.Trim();
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
