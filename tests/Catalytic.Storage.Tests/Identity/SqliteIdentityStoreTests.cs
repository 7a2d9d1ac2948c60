using Catalytic.Identity.Storage;
using Catalytic.Storage.Identity;
using Catalytic.Testing.Files;
using Microsoft.Data.Sqlite;

namespace Catalytic.Storage.Tests.Identity;

public sealed class SqliteIdentityStoreTests : IdentityStoreContract
{
    private readonly TempFolder _dir = new("sqlite-identity");

    protected override Task<IIdentityStore> CreateAsync() => Task.FromResult<IIdentityStore>(new SqliteIdentityStore(_dir["catalytic.db"]));

    protected override async Task ExecuteRawAsync(string sql)
    {
        await using var c = new SqliteConnection($"Data Source={_dir["catalytic.db"]}");
        await c.OpenAsync();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
