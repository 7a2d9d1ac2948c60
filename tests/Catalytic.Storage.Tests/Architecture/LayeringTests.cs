using Catalytic.Storage.Sqlite;
using Catalytic.Testing.Architecture;

namespace Catalytic.Storage.Tests.Architecture;

/// <summary>
/// The stores know the cores' records (delivery, identity, pipelines, and status: its SqlStatusStore implements Catalytic.Status'
/// IStatusStore as the delivery stores implement IDeliveryStore) and their databases' drivers: no HTTP, no edge, no API contracts.
/// </summary>
public sealed class LayeringTests
{
    [Fact]
    public void Storage_ReferencesOnlyTheDeliveryCoreAndTheDatabaseDrivers() =>
        Assert.Empty(AssemblyReferences.Outside(typeof(SqliteDeliveryStore).Assembly,
            "Catalytic.Delivery", "Catalytic.Identity", "Catalytic.Pipelines", "Catalytic.Status", "Microsoft.Data.Sqlite", "Npgsql", "Microsoft.Extensions.Logging.Abstractions"));
}
