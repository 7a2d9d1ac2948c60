using Microsoft.Extensions.Time.Testing;
using Catalytic.Runner.Actions.BuiltIn.Cache;

namespace Catalytic.Runner.Tests.Actions.Cache;

public sealed class CacheStoreTests
{
    private static void Save(CacheStore store, string key, int bytes) =>
        Assert.Equal(CacheSaveOutcome.Saved, store.Save(key, "v", s => s.Write(new byte[bytes]), out _));

    [Fact]
    public void Save_PastSizeLimit_EvictsLeastRecentlyUsedFirst()
    {
        using var dir = new TempDir();
        var time = new ManualTime();
        var store = new CacheStore(dir.Combine("cache"), maxBytes: 3000, time);
        Save(store, "a", 1000);
        time.Advance(TimeSpan.FromMinutes(1));
        Save(store, "b", 1000);
        time.Advance(TimeSpan.FromMinutes(1));
        Save(store, "c", 1000);
        time.Advance(TimeSpan.FromMinutes(1));
        // Reading "a" makes "b" the least recently used.
        store.OpenRead(store.Find("a", [], "v").Entry!).Dispose();
        time.Advance(TimeSpan.FromMinutes(1));

        Save(store, "d", 1000);

        var keys = store.List().Select(e => e.Key).Order().ToArray();
        Assert.Equal(["a", "c", "d"], keys);
        Assert.True(store.List().Sum(e => e.SizeBytes) <= 3000);
        Assert.Equal(3, Directory.GetFiles(store.Directory, "*.tar").Length);
    }

    [Fact]
    public void List_UnreadableRecord_IsLeftOutAndLogged()
    {
        using var dir = new TempDir();
        var log = new RecordingLogger();
        var store = new CacheStore(dir.Combine("cache"), maxBytes: 3000, new FakeTimeProvider(), log);
        Save(store, "a", 10);
        File.WriteAllText(Path.Combine(store.Directory, "broken.json"), "{ not json");

        Assert.Equal("a", Assert.Single(store.List()).Key);
        var entry = Assert.Single(log.Entries, e => e.Id.Id == 4008);
        Assert.Contains("broken.json", entry.Message);
    }

    [Fact]
    public void Save_EntryLargerThanLimit_IsNotKept()
    {
        using var dir = new TempDir();
        var store = new CacheStore(dir.Combine("cache"), maxBytes: 100, new FakeTimeProvider());

        var outcome = store.Save("big", "v", s => s.Write(new byte[500]), out _);

        Assert.Equal(CacheSaveOutcome.TooLarge, outcome);
        Assert.Empty(Directory.GetFiles(store.Directory));
    }

    [Theory]
    [InlineData(null, CacheStore.DefaultMaxBytes)]
    [InlineData("1048576", 1048576L)]
    [InlineData("500MB", 500L << 20)]
    [InlineData("2g", 2L << 30)]
    [InlineData("nonsense", CacheStore.DefaultMaxBytes)]
    public void ParseMaxBytes_Setting_GivesBytes(string? setting, long expected) =>
        Assert.Equal(expected, CacheStore.ParseMaxBytes(setting));

    [Fact]
    public void Find_ExactRestoreKey_WinsOverNewerPrefixMatch()
    {
        using var dir = new TempDir();
        var time = new ManualTime();
        var store = new CacheStore(dir.Combine("cache"), CacheStore.DefaultMaxBytes, time);
        Save(store, "deps-", 10);
        time.Advance(TimeSpan.FromMinutes(5));
        Save(store, "deps-123", 10);

        var lookup = store.Find("other", ["deps-"], "v");

        Assert.Equal("deps-", lookup.Entry!.Key);
        Assert.False(lookup.IsExactMatch);
    }
}
