using Catalytic.Contracts;
using Catalytic.Testing.Architecture;

namespace Catalytic.Contracts.Tests.Architecture;

/// <summary>The contracts are what every client shares: the base class library only, so a client never drags in a server.</summary>
public sealed class LayeringTests
{
    [Fact]
    public void Contracts_ReferenceOnlyTheBaseClassLibrary() =>
        Assert.Empty(AssemblyReferences.Of(typeof(ExitCodes).Assembly));
}
