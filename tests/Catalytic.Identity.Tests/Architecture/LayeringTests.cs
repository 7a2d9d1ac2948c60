using System.Reflection;
using Catalytic.Identity.Storage;
using Catalytic.Testing.Architecture;

namespace Catalytic.Identity.Tests.Architecture;

/// <summary>
/// Identity knows ASP.NET Core Identity's PasswordHasher, the platform (the secret scheme it shares with job
/// credentials) and the logging abstractions (docs/architecture.md): no HTTP (the server maps requests onto it), no
/// SQL (its store is kept by Catalytic.Storage), no delivery.
/// </summary>
public sealed class LayeringTests
{
    private static readonly Assembly Identity = typeof(IIdentityStore).Assembly;

    /// <summary>Microsoft.Extensions.Options comes with the hasher: its constructor's optional settings parameter is an IOptions.</summary>
    [Fact]
    public void Identity_ReferencesOnlyThePasswordHasherThePlatformAndLoggingAbstractions() =>
        Assert.Empty(AssemblyReferences.Outside(Identity,
            "Microsoft.Extensions.Identity.Core", "Microsoft.Extensions.Options", "Catalytic.Platform", "Microsoft.Extensions.Logging.Abstractions"));

    [Fact]
    public void Identity_KnowsNeitherHttpNorSqlNorDelivery() =>
        Assert.Empty(AssemblyReferences.Among(Identity,
            "Microsoft.AspNetCore.*", "Catalytic.Server", "Catalytic.Storage", "Microsoft.Data.Sqlite", "Npgsql", "Catalytic.Delivery"));
}
