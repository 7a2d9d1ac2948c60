using System.Reflection;

namespace Catalytic.Workflows.Tests.Architecture;

/// <summary>Keeps the dependency rule of docs/architecture.md: the workflow core references neither ASP.NET, processes' hosts nor storage.</summary>
public sealed class LayeringTests
{
    [Fact]
    public void Workflows_core_references_no_host_storage_or_http_assembly()
    {
        var refs = typeof(Catalytic.Workflows.Model.Workflow).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        string[] forbidden = ["Microsoft.AspNetCore", "Microsoft.Data.Sqlite", "Npgsql", "Yarp", "Catalytic.Runner", "Catalytic.Delivery", "Catalytic.Server", "Catalytic.Storage", "Catalytic.Edge"];
        var bad = refs.Where(r => forbidden.Any(f => r.StartsWith(f, StringComparison.Ordinal))).ToList();
        Assert.Empty(bad);
    }
}
