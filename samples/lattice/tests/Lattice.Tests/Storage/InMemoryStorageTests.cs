using Lattice.Api.Storage;

namespace Lattice.Tests.Storage;

public sealed class InMemoryStorageTests
{
    private static StoredPath Path(string id) => new(id, true, 0, [[0]], 1, "astar", DateTimeOffset.UnixEpoch);

    [Fact]
    public async Task SaveAsync_BeyondCapacity_ForgetsTheOldest()
    {
        var store = new InMemoryPathStore(capacity: 3);
        var ct = TestContext.Current.CancellationToken;
        foreach (var id in (string[])["a", "b", "c", "d"])
        {
            await store.SaveAsync(Path(id), ct);
        }

        Assert.Null(await store.FindAsync("a", ct));
        Assert.NotNull(await store.FindAsync("b", ct));
        Assert.NotNull(await store.FindAsync("d", ct));
    }

    [Fact]
    public async Task SaveAsync_SameIdTwice_KeepsTheFirst()
    {
        var cache = new InMemoryPathCache();
        var ct = TestContext.Current.CancellationToken;
        await cache.SetAsync(Path("x"), ct);
        await cache.SetAsync(Path("x") with { Visited = 99 }, ct);

        Assert.Equal(1, (await cache.GetAsync("x", ct))!.Visited);
    }
}
