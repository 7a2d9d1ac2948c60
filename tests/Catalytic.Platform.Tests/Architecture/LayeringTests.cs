using Catalytic.Platform.Yaml;
using Catalytic.Testing.Architecture;

namespace Catalytic.Platform.Tests.Architecture;

/// <summary>Keeps docs/architecture.md's rule for the base every project stands on: it knows no other Catalytic project.</summary>
public sealed class LayeringTests
{
    [Fact]
    public void Platform_references_only_YamlDotNet_beyond_the_base_class_library() =>
        Assert.Empty(AssemblyReferences.Outside(typeof(YamlDocument).Assembly, "YamlDotNet"));
}
