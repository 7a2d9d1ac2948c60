using Catalytic.Runner.Actions.BuiltIn.Checkout;

namespace Catalytic.Runner.Tests.Actions.Checkout;

public sealed class CheckoutActionTests
{
    private static async Task<(bool Ok, string? Message, ActionProbe Probe)> CheckoutAsync(string ws, Dictionary<string, string> inputs, Dictionary<string, string>? github = null)
    {
        var probe = new ActionProbe();
        var result = await new CheckoutAction().RunAsync(probe.Context(ws, inputs, github: github), CancellationToken.None);
        return (result.Succeeded, result.Message, probe);
    }

    [Fact]
    public async Task Checkout_Workspace_KeepsUncommittedWorkAndSaysCleanWasSkipped()
    {
        using var dir = new TempDir();
        var ws = Git.Init(dir);
        var sha = Git.Commit(ws, "one", ("a.txt", "1"));
        File.WriteAllText(Path.Combine(ws, "a.txt"), "local edit");
        File.WriteAllText(Path.Combine(ws, "untracked.txt"), "mine");

        var (ok, message, probe) = await CheckoutAsync(ws, new() { ["clean"] = "true" });

        Assert.True(ok, message);
        Assert.Equal("local edit", File.ReadAllText(Path.Combine(ws, "a.txt")));
        Assert.True(File.Exists(Path.Combine(ws, "untracked.txt")));
        Assert.Contains("clean: skipped", probe.LogText);
        Assert.Equal(sha, probe.Outputs["commit"]);
    }

    [Fact]
    public async Task Checkout_WorkspaceWithOtherRef_FailsWithoutTouchingIt()
    {
        using var dir = new TempDir();
        var ws = Git.Init(dir);
        var first = Git.Commit(ws, "one", ("a.txt", "1"));
        Git.Commit(ws, "two", ("a.txt", "2"));

        var (ok, message, _) = await CheckoutAsync(ws, new() { ["ref"] = first });

        Assert.False(ok);
        Assert.Contains("does not switch the branch of your own working tree", message);
        Assert.Equal("2", File.ReadAllText(Path.Combine(ws, "a.txt")));
    }

    [Fact]
    public async Task Checkout_PathWithDefaultDepth_MakesShallowCloneOfRef()
    {
        using var dir = new TempDir();
        var ws = Git.Init(dir);
        var first = Git.Commit(ws, "one", ("a.txt", "1"));
        Git.Commit(ws, "two", ("a.txt", "2"));
        Git.Run(ws, "tag", "v1", first);

        var (ok, message, probe) = await CheckoutAsync(ws, new() { ["path"] = "old", ["ref"] = "v1" });

        Assert.True(ok, message);
        var sub = Path.Combine(ws, "old");
        Assert.Equal("1", File.ReadAllText(Path.Combine(sub, "a.txt")));
        Assert.Equal("true", Git.Run(sub, "rev-parse", "--is-shallow-repository"));
        Assert.Equal(first, probe.Outputs["commit"]);
        Assert.Equal("refs/tags/v1", probe.Outputs["ref"]);
    }

    [Fact]
    public async Task Checkout_PathWithFetchDepthZero_HasFullHistoryOnTheBranch()
    {
        using var dir = new TempDir();
        var ws = Git.Init(dir);
        Git.Commit(ws, "one", ("a.txt", "1"));
        Git.Commit(ws, "two", ("a.txt", "2"));
        Git.Commit(ws, "three", ("a.txt", "3"));

        var (ok, message, _) = await CheckoutAsync(ws, new() { ["path"] = "full", ["ref"] = "main", ["fetch-depth"] = "0" });

        Assert.True(ok, message);
        var sub = Path.Combine(ws, "full");
        Assert.Equal("3", Git.Run(sub, "rev-list", "--count", "HEAD"));
        Assert.Equal("main", Git.Run(sub, "branch", "--show-current"));
        Assert.Equal("false", Git.Run(sub, "rev-parse", "--is-shallow-repository"));
    }

    [Fact]
    public async Task Checkout_ExistingPathWithClean_RemovesUntrackedFilesThere()
    {
        using var dir = new TempDir();
        var ws = Git.Init(dir);
        Git.Commit(ws, "one", ("a.txt", "1"));
        Assert.True((await CheckoutAsync(ws, new() { ["path"] = "sub" })).Ok);
        File.WriteAllText(Path.Combine(ws, "sub/junk.txt"), "junk");
        File.WriteAllText(Path.Combine(ws, "sub/a.txt"), "changed");

        var (ok, message, _) = await CheckoutAsync(ws, new() { ["path"] = "sub" });

        Assert.True(ok, message);
        Assert.False(File.Exists(Path.Combine(ws, "sub/junk.txt")));
        Assert.Equal("1", File.ReadAllText(Path.Combine(ws, "sub/a.txt")));
    }

    [Fact]
    public async Task Checkout_AnotherRepository_FailsClearly()
    {
        using var dir = new TempDir();
        var ws = Git.Init(dir);
        Git.Commit(ws, "one", ("a.txt", "1"));

        var (ok, message, _) = await CheckoutAsync(ws, new() { ["repository"] = "someone/else" }, new() { ["repository"] = "me/app" });

        Assert.False(ok);
        Assert.Contains("'someone/else' is another repository", message);
        Assert.Contains("me/app", message);
    }

    [Fact]
    public async Task Checkout_PathOutsideWorkspace_Fails()
    {
        using var dir = new TempDir();
        var ws = Git.Init(dir);
        Git.Commit(ws, "one", ("a.txt", "1"));

        var (ok, message, _) = await CheckoutAsync(ws, new() { ["path"] = "../escape" });

        Assert.False(ok);
        Assert.Contains("is not under", message);
    }
}
