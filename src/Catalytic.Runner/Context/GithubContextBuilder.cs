using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Catalytic.Runner.Context;

/// <summary>The <c>github</c> context and event payload of a local run, read from the repository with git.</summary>
public sealed record GithubContext(JsonObject Github, JsonObject Event);

/// <summary>
/// Builds the <c>github</c> context from the working tree: sha, ref, ref_name, ref_type, repository (from
/// <c>origin</c> or the folder name), actor (git's user.name or $USER), run_id/run_number (a counter kept under
/// .catalytic/), and for <c>push</c> a payload with before/after (HEAD~1/HEAD) and head_commit.
/// </summary>
public static class GithubContextBuilder
{
    public static GithubContext Build(string workspace, string stateDirectory, string eventName, JsonObject? eventFile, TimeProvider time)
    {
        // The git questions are independent: ask them at once (each is a process start).
        var log = Task.Run(() => RunGit(workspace, "log", "-1", "--format=%H%x00%P%x00%an%x00%ae%x00%aI%x00%cn%x00%ce%x00%B"));
        var symbolic = Task.Run(() => RunGit(workspace, "rev-parse", "--symbolic-full-name", "HEAD"));
        var remote = Task.Run(() => RunGit(workspace, "config", "--get", "remote.origin.url"));
        var userName = Task.Run(() => RunGit(workspace, "config", "--get", "user.name"));
        var runNumber = NextRunNumber(stateDirectory);
        var commit = log.Result?.Split('\0');
        var sha = commit is { Length: >= 8 } ? commit[0] : new string('0', 40);
        string gitRef;
        string refType;
        if (symbolic.Result is { } full && full.StartsWith("refs/", StringComparison.Ordinal))
        {
            gitRef = full;
            refType = full.StartsWith("refs/tags/", StringComparison.Ordinal) ? "tag" : "branch";
        }
        else if (RunGit(workspace, "describe", "--exact-match", "--tags", "HEAD") is { } tag)
        {
            gitRef = "refs/tags/" + tag;
            refType = "tag";
        }
        else
        {
            gitRef = "";
            refType = "branch";
        }

        var refName = gitRef.StartsWith("refs/heads/", StringComparison.Ordinal) ? gitRef["refs/heads/".Length..]
            : gitRef.StartsWith("refs/tags/", StringComparison.Ordinal) ? gitRef["refs/tags/".Length..] : gitRef;
        var repository = RepositoryFromRemote(remote.Result)
            ?? ("local/" + new DirectoryInfo(workspace).Name);
        var owner = repository.Split('/')[0];
        var actor = userName.Result is { Length: > 0 } n ? n : Environment.GetEnvironmentVariable("USER") ?? "catalytic";
        var runId = time.GetUtcNow().ToUnixTimeMilliseconds();

        JsonObject payload;
        if (eventFile is not null)
        {
            payload = eventFile;
        }
        else if (eventName == "push")
        {
            var before = commit is { Length: >= 8 } && commit[1].Length > 0 ? commit[1].Split(' ')[0] : new string('0', 40);
            payload = new JsonObject
            {
                ["ref"] = gitRef,
                ["before"] = before,
                ["after"] = sha,
                ["created"] = false,
                ["deleted"] = false,
                ["forced"] = false,
                ["repository"] = RepositoryNode(repository, owner),
                ["pusher"] = new JsonObject { ["name"] = actor },
                ["sender"] = new JsonObject { ["login"] = actor },
            };
            if (commit is { Length: >= 8 })
            {
                var head = HeadCommit(commit);
                payload["head_commit"] = head;
                payload["commits"] = new JsonArray(head.DeepClone());
            }
        }
        else
        {
            payload = new JsonObject
            {
                ["ref"] = gitRef,
                ["repository"] = RepositoryNode(repository, owner),
                ["sender"] = new JsonObject { ["login"] = actor },
            };
        }

        var headRef = "";
        var baseRef = "";
        if (eventName is "pull_request" or "pull_request_target" && payload["pull_request"] is JsonObject pr)
        {
            headRef = (pr["head"] as JsonObject)?["ref"]?.GetValue<string>() ?? "";
            baseRef = (pr["base"] as JsonObject)?["ref"]?.GetValue<string>() ?? "";
        }

        var github = new JsonObject
        {
            ["action"] = "",
            ["action_path"] = "",
            ["actor"] = actor,
            ["actor_id"] = "0",
            ["api_url"] = "https://api.github.com",
            ["base_ref"] = baseRef,
            ["event_name"] = eventName,
            ["event_path"] = "",
            ["graphql_url"] = "https://api.github.com/graphql",
            ["head_ref"] = headRef,
            ["job"] = "",
            ["ref"] = gitRef,
            ["ref_name"] = refName,
            ["ref_protected"] = false,
            ["ref_type"] = refType,
            ["repository"] = repository,
            ["repository_id"] = "0",
            ["repository_owner"] = owner,
            ["repository_owner_id"] = "0",
            ["repositoryUrl"] = $"git://github.com/{repository}.git",
            ["retention_days"] = "90",
            ["run_id"] = runId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["run_number"] = runNumber.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["run_attempt"] = "1",
            ["secret_source"] = "None",
            ["server_url"] = "https://github.com",
            ["sha"] = sha,
            ["token"] = "",
            ["triggering_actor"] = actor,
            ["workflow"] = "",
            ["workflow_ref"] = "",
            ["workflow_sha"] = sha,
            ["workspace"] = workspace,
        };
        return new GithubContext(github, payload);
    }

    /// <summary>Turns <c>git@github.com:o/r.git</c> or <c>https://host/o/r(.git)</c> into <c>o/r</c>; null when not recognisable.</summary>
    public static string? RepositoryFromRemote(string? url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return null;
        }

        var u = url.Trim();
        if (u.EndsWith(".git", StringComparison.Ordinal))
        {
            u = u[..^4];
        }

        u = u.TrimEnd('/');
        var cut = u.Contains("://", StringComparison.Ordinal) ? u[(u.IndexOf("://", StringComparison.Ordinal) + 3)..] : u.Replace(':', '/');
        var parts = cut.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 2 ? parts[^2] + "/" + parts[^1] : parts.Length == 1 ? "local/" + parts[0] : null;
    }

    /// <summary>Increments and returns the run counter in <c>{state}/run-number</c>, safely across concurrent runs.</summary>
    internal static int NextRunNumber(string stateDirectory)
    {
        Directory.CreateDirectory(stateDirectory);
        var path = Path.Combine(stateDirectory, "run-number");
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var fs = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                using var reader = new StreamReader(fs, leaveOpen: true);
                var current = int.TryParse(reader.ReadToEnd().Trim(), out var n) ? n : 0;
                fs.SetLength(0);
                fs.Position = 0;
                using var writer = new StreamWriter(fs);
                writer.Write((current + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
                return current + 1;
            }
            catch (IOException) when (attempt < 200)
            {
                // Another run holds the file; wait a little (no Thread.Sleep: spin on a timed wait).
                using var wait = new ManualResetEventSlim();
                wait.Wait(10);
            }
        }
    }

    private static JsonObject RepositoryNode(string repository, string owner) => new()
    {
        ["name"] = repository.Split('/')[^1],
        ["full_name"] = repository,
        ["owner"] = new JsonObject { ["login"] = owner, ["name"] = owner },
    };

    private static JsonObject HeadCommit(string[] f) => new()
    {
        ["id"] = f[0],
        ["tree_id"] = "",
        ["message"] = f[7].TrimEnd(),
        ["timestamp"] = f[4],
        ["author"] = new JsonObject { ["name"] = f[2], ["email"] = f[3], ["username"] = f[2] },
        ["committer"] = new JsonObject { ["name"] = f[5], ["email"] = f[6], ["username"] = f[5] },
    };

    /// <summary>Runs git in <paramref name="workspace"/>; the trimmed stdout on success, null on failure or when git is missing.</summary>
    public static string? RunGit(string workspace, params string[] args)
    {
        try
        {
            var psi = new ProcessStartInfo("git")
            {
                WorkingDirectory = workspace,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var a in args)
            {
                psi.ArgumentList.Add(a);
            }

            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEnd();
            p.StandardError.ReadToEnd();
            p.WaitForExit();
            return p.ExitCode == 0 ? stdout.Trim() : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
