using Microsoft.Extensions.Time.Testing;
using Catalytic.Runner.Actions.BuiltIn.Cache;

namespace Catalytic.Runner.Tests.Actions.Cache;

public sealed class CacheActionTests
{
    private static Dictionary<string, string> Inputs(string key, string path, string? restoreKeys = null)
    {
        var inputs = new Dictionary<string, string> { ["key"] = key, ["path"] = path };
        if (restoreKeys is not null)
        {
            inputs["restore-keys"] = restoreKeys;
        }

        return inputs;
    }

    /// <summary>Runs actions/cache's main and post parts like a job would.</summary>
    private static async Task<ActionProbe> RunJobAsync(string ws, Dictionary<string, string> inputs, TimeProvider time, string jobStatus = "success", Action? steps = null, Dictionary<string, string>? env = null)
    {
        var action = new CacheAction();
        var probe = new ActionProbe();
        var main = await action.RunAsync(probe.Context(ws, inputs, environment: env, time: time), CancellationToken.None);
        Assert.True(main.Succeeded, main.Message);
        Assert.True(probe.PostRegistered);
        steps?.Invoke();
        var post = await action.PostAsync(probe.Context(ws, inputs, environment: env, jobStatus: jobStatus, time: time), CancellationToken.None);
        Assert.True(post.Succeeded, post.Message);
        return probe;
    }

    [Fact]
    public async Task Cache_SecondRunWithSameKey_HitsExactlyAndRestoresFiles()
    {
        using var dir = new TempDir();
        var ws = dir.Combine("ws");
        var time = new ManualTime();
        var inputs = Inputs("deps-v1", "node_modules\n!node_modules/skip");

        var first = await RunJobAsync(ws, inputs, time, steps: () =>
        {
            dir.Write("ws/node_modules/a/index.js", "module.exports = 1;");
            dir.Write("ws/node_modules/.bin/tool", "#!/bin/sh");
            dir.Write("ws/node_modules/skip/big.bin", "excluded");
        });
        Assert.Equal("false", first.Outputs["cache-hit"]);
        Assert.Contains("Cache saved with key: deps-v1", first.LogText);

        Directory.Delete(Path.Combine(ws, "node_modules"), recursive: true);
        var second = await RunJobAsync(ws, inputs, time);

        Assert.Equal("true", second.Outputs["cache-hit"]);
        Assert.Equal("module.exports = 1;", File.ReadAllText(Path.Combine(ws, "node_modules/a/index.js")));
        Assert.True(File.Exists(Path.Combine(ws, "node_modules/.bin/tool")));
        Assert.False(Directory.Exists(Path.Combine(ws, "node_modules/skip")));
        Assert.Contains("not saving cache", second.LogText);
        Assert.Single(CacheStore.ForStateDirectory(Path.Combine(ws, ".catalytic"), null, time).List());
    }

    [Fact]
    public async Task Restore_KeyMissingButRestoreKeyPrefixMatches_TakesNewestPrefixMatchWithoutHit()
    {
        using var dir = new TempDir();
        var ws = dir.Combine("ws");
        var time = new ManualTime();
        foreach (var (key, content) in new[] { ("build-linux-aaa", "old"), ("build-linux-bbb", "new"), ("build-other-ccc", "other") })
        {
            dir.Write("ws/out/data.txt", content);
            var save = await new CacheSaveAction().RunAsync(new ActionProbe().Context(ws, Inputs(key, "out"), time: time), CancellationToken.None);
            Assert.True(save.Succeeded, save.Message);
            time.Advance(TimeSpan.FromMinutes(1));
        }

        Directory.Delete(Path.Combine(ws, "out"), recursive: true);
        var probe = new ActionProbe();
        var result = await new CacheRestoreAction().RunAsync(
            probe.Context(ws, Inputs("build-linux-zzz", "out", "build-windows-\nbuild-linux-\nbuild-"), time: time), CancellationToken.None);

        Assert.True(result.Succeeded);
        Assert.Equal("false", probe.Outputs["cache-hit"]);
        Assert.Equal("build-linux-bbb", probe.Outputs["cache-matched-key"]);
        Assert.Equal("build-linux-zzz", probe.Outputs["cache-primary-key"]);
        Assert.Equal("new", File.ReadAllText(Path.Combine(ws, "out/data.txt")));
    }

    [Fact]
    public async Task Restore_SameKeyOtherPaths_IsAnotherEntry()
    {
        using var dir = new TempDir();
        var ws = dir.Combine("ws");
        dir.Write("ws/a/x.txt", "x");
        await new CacheSaveAction().RunAsync(new ActionProbe().Context(ws, Inputs("k", "a")), CancellationToken.None);

        var probe = new ActionProbe();
        await new CacheRestoreAction().RunAsync(probe.Context(ws, Inputs("k", "b")), CancellationToken.None);

        Assert.Equal("false", probe.Outputs["cache-hit"]);
    }

    [Fact]
    public async Task Restore_MissWithFailOnCacheMiss_Fails()
    {
        using var dir = new TempDir();
        var inputs = Inputs("nothing-here", "out");
        inputs["fail-on-cache-miss"] = "true";

        var result = await new CacheAction().RunAsync(new ActionProbe().Context(dir.Combine("ws"), inputs), CancellationToken.None);

        Assert.False(result.Succeeded);
        Assert.Contains("fail-on-cache-miss", result.Message);
        Assert.Contains("nothing-here", result.Message);
    }

    [Fact]
    public async Task Restore_LookupOnly_ReportsHitWithoutWritingFiles()
    {
        using var dir = new TempDir();
        var ws = dir.Combine("ws");
        dir.Write("ws/out/f.txt", "cached");
        await new CacheSaveAction().RunAsync(new ActionProbe().Context(ws, Inputs("k1", "out")), CancellationToken.None);
        Directory.Delete(Path.Combine(ws, "out"), recursive: true);

        var inputs = Inputs("k1", "out");
        inputs["lookup-only"] = "true";
        var probe = new ActionProbe();
        await new CacheAction().RunAsync(probe.Context(ws, inputs), CancellationToken.None);

        Assert.Equal("true", probe.Outputs["cache-hit"]);
        Assert.False(Directory.Exists(Path.Combine(ws, "out")));
    }

    [Fact]
    public async Task Post_JobFailed_DoesNotSave()
    {
        using var dir = new TempDir();
        var ws = dir.Combine("ws");
        var probe = await RunJobAsync(ws, Inputs("k", "out"), new FakeTimeProvider(), jobStatus: "failure", steps: () => dir.Write("ws/out/f.txt", "x"));

        Assert.Contains("skipped", probe.LogText);
        Assert.Empty(CacheStore.ForStateDirectory(Path.Combine(ws, ".catalytic"), null, new FakeTimeProvider()).List());
    }

    [Fact]
    public async Task Cache_TildePath_IsSavedAndRestoredUnderHome()
    {
        using var dir = new TempDir();
        var ws = dir.Combine("ws");
        var env = new Dictionary<string, string> { ["HOME"] = dir.Combine("home") };
        dir.Write("home/.npm/_cacache/index", "npm-index");
        await RunJobAsync(ws, Inputs("npm", "~/.npm"), new FakeTimeProvider(), env: env);
        Directory.Delete(dir.Combine("home"), recursive: true);

        var second = await RunJobAsync(ws, Inputs("npm", "~/.npm"), new FakeTimeProvider(), env: env);

        Assert.Equal("true", second.Outputs["cache-hit"]);
        Assert.Equal("npm-index", File.ReadAllText(dir.Combine("home/.npm/_cacache/index")));
    }

    [Fact]
    public async Task Save_ExistingKey_KeepsTheFirstEntry()
    {
        using var dir = new TempDir();
        var ws = dir.Combine("ws");
        dir.Write("ws/out/f.txt", "first");
        await new CacheSaveAction().RunAsync(new ActionProbe().Context(ws, Inputs("same", "out")), CancellationToken.None);
        dir.Write("ws/out/f.txt", "second");
        var probe = new ActionProbe();
        await new CacheSaveAction().RunAsync(probe.Context(ws, Inputs("same", "out")), CancellationToken.None);
        File.Delete(Path.Combine(ws, "out/f.txt"));

        await new CacheRestoreAction().RunAsync(new ActionProbe().Context(ws, Inputs("same", "out")), CancellationToken.None);

        Assert.Contains("immutable", probe.LogText);
        Assert.Equal("first", File.ReadAllText(Path.Combine(ws, "out/f.txt")));
    }
}
