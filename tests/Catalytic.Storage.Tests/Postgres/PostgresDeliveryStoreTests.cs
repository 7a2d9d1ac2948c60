using Catalytic.Delivery.Storage;
using Catalytic.Storage.Postgres;
using Microsoft.Extensions.Time.Testing;

namespace Catalytic.Storage.Tests.Postgres;

/// <summary>The store contract against a real PostgreSQL, each test in a schema of its own.</summary>
public sealed class PostgresDeliveryStoreTests : DeliveryStoreContract
{
    private readonly TestDatabase _db = new();

    protected override Task<IDeliveryStore> CreateAsync() =>
        Task.FromResult<IDeliveryStore>(new PostgresDeliveryStore(_db.ConnectionString, new FakeTimeProvider(), _db.Schema));

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _db.DisposeAsync();
    }
}
