using Catalytic.Identity.Storage;
using Catalytic.Storage.Identity;
using Catalytic.Storage.Tests.Postgres;

namespace Catalytic.Storage.Tests.Identity;

/// <summary>The identity store contract against a real PostgreSQL, each test in a schema of its own.</summary>
public sealed class PostgresIdentityStoreTests : IdentityStoreContract
{
    private readonly TestDatabase _db = new();

    protected override Task<IIdentityStore> CreateAsync() => Task.FromResult<IIdentityStore>(new PostgresIdentityStore(_db.ConnectionString, _db.Schema));

    protected override Task ExecuteRawAsync(string sql) =>
        _db.ScalarAsync(sql.Replace("audit_log", _db.Schema + ".audit_log", StringComparison.Ordinal));

    [Fact]
    public async Task Audit_RefusesTruncate()
    {
        await Store.AppendAuditAsync(new(0, T0, "bob", "session", "127.0.0.1", "deploy", "web/production", ""), TestContext.Current.CancellationToken);
        await Assert.ThrowsAnyAsync<Exception>(() => ExecuteRawAsync("TRUNCATE audit_log"));
        Assert.Single(await Store.ListAuditAsync(new(), TestContext.Current.CancellationToken));
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _db.DisposeAsync();
    }
}
