using System.Collections.Concurrent;

namespace Lattice.Api.Storage;

/// <summary>A thread-safe map that forgets its oldest entries beyond a capacity, so memory stays bounded.</summary>
internal sealed class BoundedMemory(int capacity)
{
    private readonly ConcurrentDictionary<string, StoredPath> _items = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();

    public int Count => _items.Count;

    public StoredPath? Get(string id) => _items.TryGetValue(id, out var path) ? path : null;

    public void Add(StoredPath path)
    {
        if (!_items.TryAdd(path.Id, path))
        {
            return;
        }

        _order.Enqueue(path.Id);
        while (_items.Count > capacity && _order.TryDequeue(out var oldest))
        {
            _items.TryRemove(oldest, out _);
        }
    }
}

/// <summary>The store used when LATTICE_POSTGRES is not set: results live as long as the process.</summary>
public sealed class InMemoryPathStore(int capacity = 10_000) : IPathStore
{
    private readonly BoundedMemory _memory = new(capacity);

    public string Kind => "memory";

    public Task<StoredPath?> FindAsync(string id, CancellationToken cancellationToken) => Task.FromResult(_memory.Get(id));

    public Task SaveAsync(StoredPath path, CancellationToken cancellationToken)
    {
        _memory.Add(path);
        return Task.CompletedTask;
    }

    public Task<bool> PingAsync(CancellationToken cancellationToken) => Task.FromResult(true);
}

/// <summary>The cache used when LATTICE_REDIS is not set.</summary>
public sealed class InMemoryPathCache(int capacity = 1_000) : IPathCache
{
    private readonly BoundedMemory _memory = new(capacity);

    public string Kind => "memory";

    public Task<StoredPath?> GetAsync(string id, CancellationToken cancellationToken) => Task.FromResult(_memory.Get(id));

    public Task SetAsync(StoredPath path, CancellationToken cancellationToken)
    {
        _memory.Add(path);
        return Task.CompletedTask;
    }

    public Task<bool> PingAsync(CancellationToken cancellationToken) => Task.FromResult(true);
}
