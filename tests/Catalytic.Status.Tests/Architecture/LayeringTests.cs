using Catalytic.Status.Config;
using Catalytic.Testing.Architecture;

namespace Catalytic.Status.Tests.Architecture;

/// <summary>What the status assembly may reference: catalytic.yml's sections are read through Platform's one YAML layer.</summary>
public sealed class LayeringTests
{
    [Fact]
    public void Status_reads_YAML_through_Platform_only() =>
        Assert.Empty(AssemblyReferences.Among(typeof(StatusConfigParser).Assembly, "YamlDotNet", "Microsoft.AspNetCore.Http.Abstractions", "Microsoft.Data.Sqlite", "Npgsql"));
}
