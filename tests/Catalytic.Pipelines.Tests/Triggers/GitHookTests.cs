using System.Net;
using System.Net.Http.Headers;
using Catalytic.Pipelines.Repositories;
using Catalytic.Pipelines.Tests.Support;

namespace Catalytic.Pipelines.Tests.Triggers;

public sealed class GitHookTests
{
    [Fact]
    public async Task Install_WritesTheReferenceTransactionHook_WhichRunsNotifyAfterEachRefChange_AndNeverOverwritesTheUsers()
    {
        using var repo = new TestRepository();
        repo.Commit("init", ("a", "a"));
        // A stand-in for the catalytic executable that records how the hook called it.
        var record = Path.Combine(repo.Root, "calls");
        var fake = Path.Combine(repo.Root, "fake-catalytic");
        File.WriteAllText(fake, $"#!/bin/sh\necho \"$@\" >> '{record}'\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var result = GitHook.Install(repo.Path, fake, "/srv/state dir", "app");
        Assert.True(result.Ok, result.Message);
        Assert.Equal(Path.Combine(repo.Path, ".git", "hooks", "reference-transaction"), result.File);
        Assert.Contains("wrote", result.Message, StringComparison.Ordinal);

        repo.Commit("second", ("b", "b"));
        await Wait.UntilAsync(() => File.Exists(record), "the hook calling catalytic");

        Assert.Contains("hook notify --state /srv/state dir --repo app", File.ReadAllText(record), StringComparison.Ordinal);

        Assert.True(GitHook.Uninstall(repo.Path).Ok);
        Assert.False(File.Exists(result.File));
        File.WriteAllText(result.File!, "#!/bin/sh\necho mine\n");
        var refused = GitHook.Install(repo.Path, fake, "/srv/state", "app");
        Assert.False(refused.Ok);
        Assert.Contains("is not catalytic's", refused.Message, StringComparison.Ordinal);
        Assert.Equal("#!/bin/sh\necho mine\n", File.ReadAllText(result.File!));
        Assert.False(GitHook.Uninstall(repo.Path).Ok);
    }

    [Fact]
    public async Task Notify_OverHttp_ReadsTheRefsAtOnce_WithoutWatcherOrPoll()
    {
        using var repo = new TestRepository();
        repo.Commit("init", (".github/workflows/ci.yml", CommitTriggerTests.PushAll));
        var definition = new RepositoryDefinition { Name = "app", Path = repo.Path, Poll = TimeSpan.FromHours(1) };
        await using var h = await Harness.StartAsync(repo.State, [definition], notifications: false);
        await using var server = await TestServer.StartAsync(h.Triggers, repo.State);
        using var http = new HttpClient { BaseAddress = server.Address };

        var sha = repo.Commit("told by the hook", ("a", "a"));
        using var unauthorized = await http.PostAsync("api/repos/app/notify", null);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestServer.Token);
        using var missing = await http.PostAsync("api/repos/nope/notify", null);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var told = await http.PostAsync("api/repos/app/notify", null);
        Assert.Equal(HttpStatusCode.Accepted, told.StatusCode);
        Assert.Equal(sha, (await h.Queue.WaitAsync(r => r.Count == 1, "the notified commit's run"))[0].Sha);

        var status = await http.GetStringAsync("api/repositories");
        Assert.Contains("\"healthy\":true", status, StringComparison.Ordinal);
    }
}
