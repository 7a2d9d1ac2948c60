using Catalytic.Testing.Files;

namespace Catalytic.Testing.Tests.Files;

public sealed class TempGitRepositoryTests
{
    [Fact]
    public async Task Commit_WritesAndCommitsTheFiles_OnMain_WithTheFixedAuthor()
    {
        using var repo = await TempGitRepository.CreateAsync();

        var first = await repo.CommitAsync("first", new Dictionary<string, string> { ["README.md"] = "hello\n", ["src/app.py"] = "print(1)\n" });
        var second = await repo.CommitAsync("second", new Dictionary<string, string> { ["src/app.py"] = "print(2)\n" });

        Assert.Matches("^[0-9a-f]{40}$", first);
        Assert.NotEqual(first, second);
        Assert.Equal("main", (await repo.GitAsync("branch", "--show-current")).Trim());
        Assert.Equal("second\nfirst", (await repo.GitAsync("log", "--format=%s")).Trim());
        Assert.Equal("Catalytic Tests <tests@catalytic.invalid>", (await repo.GitAsync("log", "-1", "--format=%an <%ae>")).Trim());
        Assert.Equal("print(1)", (await repo.GitAsync("show", $"{first}:src/app.py")).Trim());
        Assert.Equal("hello", File.ReadAllText(Path.Combine(repo.Path, "README.md")).Trim());
    }

    [Fact]
    public async Task Git_FailingCommand_ThrowsWithGitsMessage()
    {
        using var repo = await TempGitRepository.CreateAsync();

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => repo.GitAsync("show", "no-such-ref"));

        Assert.Contains("no-such-ref", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TempFolder_IsDeletedOnDispose()
    {
        string path;
        using (var folder = new TempFolder("dispose"))
        {
            path = folder.Write("a/b.txt", "x");
            Assert.True(File.Exists(path));
        }

        Assert.False(File.Exists(path));
    }
}
