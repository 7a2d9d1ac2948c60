namespace Catalytic.Cli.Commands.Demo;

internal sealed partial class DemoCommand
{
    private static readonly HashSet<string> Skipped = new(StringComparer.Ordinal) { "bin", "obj", "TestResults", ".catalytic", "reports", "dist", ".git" };

    /// <summary>Lays the sample out as a repository of its own with one commit, as a team's repository would be.</summary>
    private static async Task PrepareRepositoryAsync(string sample, string work, Narrator narrator, CancellationToken ct)
    {
        narrator.Step("A repository with the lattice API");
        if (Directory.Exists(work))
        {
            Directory.Delete(work, recursive: true);
        }

        var files = Copy(sample, work);
        await GitAsync(work, ct, "init", "-q", "-b", "main");
        await GitAsync(work, ct, "add", "-A");
        await GitAsync(work, ct, "commit", "-q", "-m", "Lattice API 1.0.0");
        narrator.Say($"copied {files} files from samples/lattice and committed them as the first commit on main");
    }

    /// <summary>
    /// The change the pipeline ships: a second commit on main, made while serve watches the repository, so serve starts
    /// the pipeline for it (a push with a `before`, and a diff for paths-filter); its full sha.
    /// </summary>
    private static async Task<string> CommitChangeAsync(string work, Narrator narrator, CancellationToken ct)
    {
        narrator.Step("A change is pushed");
        var readme = Path.Combine(work, "README.md");
        await File.AppendAllTextAsync(readme, "\n## Release notes\n\n- 1.0.1: shipped by `catalytic demo` through the 8-phase pipeline.\n", ct);
        await GitAsync(work, ct, "commit", "-q", "-am", "Release notes for 1.0.1");
        var (_, sha, _) = await SelfProcess.CaptureAsync("git", ["rev-parse", "HEAD"], work, ct);
        sha = sha.Trim();
        narrator.Say($"committed {sha[..12]} \"Release notes for 1.0.1\" on main; serve watches the repository's refs and starts the pipeline for it by itself");
        return sha;
    }

    private static int Copy(string from, string to)
    {
        Directory.CreateDirectory(to);
        var count = 0;
        foreach (var entry in new DirectoryInfo(from).EnumerateFileSystemInfos())
        {
            if (Skipped.Contains(entry.Name))
            {
                continue;
            }

            var target = Path.Combine(to, entry.Name);
            if (entry is DirectoryInfo d)
            {
                count += Copy(d.FullName, target);
            }
            else
            {
                File.Copy(entry.FullName, target);
                count++;
            }
        }

        return count;
    }

    private static async Task GitAsync(string cwd, CancellationToken ct, params string[] args)
    {
        string[] identity = ["-c", "user.name=Catalytic Demo", "-c", "user.email=demo@catalytic.invalid", "-c", "commit.gpgsign=false"];
        var (exit, _, err) = await SelfProcess.CaptureAsync("git", [.. identity, .. args], cwd, ct);
        if (exit != 0)
        {
            throw new InvalidOperationException($"git {string.Join(' ', args)} failed: {err.Trim()}");
        }
    }
}
