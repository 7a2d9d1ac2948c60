using Catalytic.Storage.Sqlite;
using Catalytic.Testing.Architecture;

namespace Catalytic.Storage.Tests.Architecture;

/// <summary>The stores know the delivery core's, identity's and the pipelines' records and their databases' drivers: no HTTP, no edge, no API contracts.</summary>
public sealed class LayeringTests
{
    [Fact]
    public void Storage_ReferencesOnlyTheDeliveryCoreAndTheDatabaseDrivers() =>
        Assert.Empty(AssemblyReferences.Outside(typeof(SqliteDeliveryStore).Assembly,
            "Catalytic.Delivery", "Catalytic.Identity", "Catalytic.Pipelines", "Microsoft.Data.Sqlite", "Npgsql", "Microsoft.Extensions.Logging.Abstractions"));
}
