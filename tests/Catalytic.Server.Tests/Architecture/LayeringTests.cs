using Catalytic.Server.Hosting;
using Catalytic.Testing.Architecture;

namespace Catalytic.Server.Tests.Architecture;

/// <summary>
/// The server wires delivery, the edge, the stores and the contracts together; it knows nothing of workflows, the
/// runner or the CLI (the CLI hosts it, not the other way round).
/// </summary>
public sealed class LayeringTests
{
    [Fact]
    public void Server_ReferencesNeitherWorkflowsNorTheRunnerNorTheCli() =>
        Assert.Empty(AssemblyReferences.Among(typeof(CatalyticServer).Assembly, "Catalytic.Workflows", "Catalytic.Runner", "catalytic", "YamlDotNet"));

    [Fact]
    public void Server_SpeaksTheContracts() =>
        Assert.Contains("Catalytic.Contracts", AssemblyReferences.Of(typeof(CatalyticServer).Assembly));
}
