using Catalytic.Pipelines.Repositories;
using Catalytic.Testing.Files;

namespace Catalytic.Pipelines.Tests.Repositories;

/// <summary>catalytic.yml's <c>repositories:</c>: local and remote repositories with their options, and a clear error at file:line:column for the rest.</summary>
public sealed class RepositoriesSectionTests : IDisposable
{
    private readonly TempFolder _dir = new("repositories-section");

    [Fact]
    public void LocalAndRemote_WithEveryOption()
    {
        Directory.CreateDirectory(_dir["app"]);
        var (repositories, errors) = Load("""
            repositories:
              app: {path: app}
              api:
                url: file:///srv/git/api.git
                poll: 30s
                branches: [main, 'release/**']
                default-branch: main
                webhook-secret: api-hook
                credentials: {username: ci, password: api-token, ssh-key: api-key}
            """);
        Assert.Empty(errors);
        Assert.Equal(2, repositories.Length);
        var app = repositories[0];
        Assert.Equal(("app", _dir["app"], null, true, RepositoryDefinition.DefaultLocalPoll), (app.Name, app.Path, app.Url, app.IsLocal, app.PollInterval));
        var api = repositories[1];
        Assert.Equal(("api", "file:///srv/git/api.git", TimeSpan.FromSeconds(30), "main", "api-hook"), (api.Name, api.Url, api.PollInterval, api.DefaultBranch, api.WebhookSecret));
        Assert.Equal(["main", "release/**"], api.Branches);
        Assert.Equal(new RepositoryCredentials { Username = "ci", PasswordSecret = "api-token", SshKeySecret = "api-key" }, api.Credentials);
    }

    [Fact]
    public void NoFileOrSection_NamesNone()
    {
        Assert.Empty(RepositoriesSection.Load(_dir["missing.yml"]).Repositories);
        var (repositories, errors) = Load("apps: {}\n");
        Assert.Empty(repositories);
        Assert.Empty(errors);
    }

    [Theory]
    [InlineData("repositories: [a]\n", "1:15", "must be a mapping of names")]
    [InlineData("repositories:\n  a: x\n", "2:6", "repositories.a must be a mapping")]
    [InlineData("repositories:\n  ../up: {url: file:///x}\n", "2:3", "repository name '../up'")]
    [InlineData("repositories:\n  a: {}\n", "2:6", "needs exactly one of path: (a folder on this machine) and url:")]
    [InlineData("repositories:\n  a: {path: ., url: file:///x}\n", "2:6", "needs exactly one of path:")]
    [InlineData("repositories:\n  a: {path: nowhere}\n", "2:13", "repositories.a.path: no folder")]
    [InlineData("repositories:\n  a: {url: --upload-pack=touch}\n", "2:12", "repositories.a.url must be a URL git fetches")]
    [InlineData("repositories:\n  a: {url: file:///x, poll: 0s}\n", "2:29", "poll must be an interval from 1s to 24h")]
    [InlineData("repositories:\n  a: {url: file:///x, poll: 2d}\n", "2:29", "poll must be an interval")]
    [InlineData("repositories:\n  a: {url: file:///x, branches: [[x]]}\n", "2:34", "each item is a branch name or glob")]
    [InlineData("repositories:\n  a: {url: file:///x, default-branch: 'a..b'}\n", "2:39", "default-branch 'a..b' is not a branch name")]
    [InlineData("repositories:\n  a: {url: file:///x, secret: s}\n", "2:23", "unknown key 'secret'")]
    [InlineData("repositories:\n  a: {url: file:///x, credentials: {token: t}}\n", "2:37", "unknown key 'token'")]
    public void BadEntries_AreErrorsAtFileLineColumn(string yaml, string at, string message)
    {
        var (repositories, errors) = Load(yaml);
        Assert.Empty(repositories);
        var error = Assert.Single(errors);
        Assert.StartsWith(_dir["catalytic.yml"] + ":" + at + ": ", error, StringComparison.Ordinal);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    private (System.Collections.Immutable.ImmutableArray<RepositoryDefinition> Repositories, System.Collections.Immutable.ImmutableArray<string> Errors) Load(string yaml)
    {
        _dir.Write("catalytic.yml", yaml);
        return RepositoriesSection.Load(_dir["catalytic.yml"]);
    }

    public void Dispose() => _dir.Dispose();
}
