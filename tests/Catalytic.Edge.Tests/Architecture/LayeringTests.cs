using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using Catalytic.Edge.Routing;

namespace Catalytic.Edge.Tests.Architecture;

/// <summary>
/// Keeps the edge's place in docs/architecture.md: it knows delivery's routing interfaces (nothing else of delivery),
/// YARP, ASP.NET, Platform and prometheus-net (its /metrics families) — not storage, the server, the CLI, the runner or workflows; and its libc calls are
/// Platform's.
/// </summary>
public sealed class LayeringTests
{
    private static readonly System.Reflection.Assembly Edge = typeof(EdgeRouter).Assembly;

    [Fact]
    public void Edge_ReferencesOnlyDeliveryPlatformYarpAspNetPrometheusAndTheRuntime()
    {
        string[] allowed = ["System.", "Microsoft.AspNetCore.", "Microsoft.Extensions.", "Microsoft.Net.Http.Headers", "Yarp.", "Prometheus.NetStandard", "Catalytic.Delivery", "Catalytic.Platform", "netstandard", "mscorlib"];
        var references = Edge.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        var unexpected = references.Where(r => !allowed.Any(a => r == a.TrimEnd('.') || r.StartsWith(a, StringComparison.Ordinal))).ToList();

        Assert.Empty(unexpected);
        Assert.DoesNotContain(references, r => r is "Catalytic.Storage" or "Catalytic.Server" or "Catalytic.Cli" or "Catalytic.Runner" or "Catalytic.Workflows");
    }

    [Fact]
    public void Edge_UsesOnlyDeliverysRoutingNamespace()
    {
        var namespaces = ReferencedNamespaces(Edge.Location, "Catalytic.Delivery");

        Assert.NotEmpty(namespaces);
        Assert.All(namespaces, n => Assert.Equal("Catalytic.Delivery.Routing", n));
    }

    [Fact]
    public void Edge_DeclaresNoLibcImportOfItsOwn()
    {
        // Every P/Invoke of the edge is Catalytic.Platform's (Linux/Epoll, Linux/Sockets, Linux/Descriptors).
        var imports = Edge.GetTypes().SelectMany(t => t.GetMethods(System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic
            | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.DeclaredOnly))
            .Where(m => (m.Attributes & System.Reflection.MethodAttributes.PinvokeImpl) != 0)
            .Select(m => $"{m.DeclaringType}.{m.Name}").ToList();

        Assert.Empty(imports);
    }

    [Fact]
    public void Platform_ReferencesNoOtherCatalyticAssembly()
    {
        var references = typeof(Catalytic.Platform.Linux.Sockets).Assembly.GetReferencedAssemblies().Select(a => a.Name!);

        Assert.DoesNotContain(references, r => r.StartsWith("Catalytic.", StringComparison.Ordinal));
    }

    /// <summary>The namespaces of the types <paramref name="assemblyPath"/> references in <paramref name="target"/>.</summary>
    private static List<string> ReferencedNamespaces(string assemblyPath, string target)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        var reader = pe.GetMetadataReader();
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var handle in reader.TypeReferences)
        {
            var type = reader.GetTypeReference(handle);
            if (type.ResolutionScope.Kind == HandleKind.AssemblyReference
                && reader.GetString(reader.GetAssemblyReference((AssemblyReferenceHandle)type.ResolutionScope).Name) == target)
            {
                result.Add(reader.GetString(type.Namespace));
            }
        }

        return [.. result.Order(StringComparer.Ordinal)];
    }
}
