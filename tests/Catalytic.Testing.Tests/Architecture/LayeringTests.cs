using Catalytic.Testing.Architecture;
using Catalytic.Testing.Files;

namespace Catalytic.Testing.Tests.Architecture;

/// <summary>Every test project may use the shared utilities without being tied to a product assembly through them.</summary>
public sealed class LayeringTests
{
    [Fact]
    public void Testing_ReferencesNoProductAssembly() =>
        Assert.Empty(AssemblyReferences.Outside(typeof(TempFolder).Assembly, "Microsoft.Extensions.TimeProvider.Testing"));

    [Fact]
    public void Outside_ListsWhatIsNotAllowed_AndAStarAllowsAFamily()
    {
        var delivery = typeof(AssemblyReferences).Assembly;

        Assert.Equal(["Microsoft.Extensions.TimeProvider.Testing"], AssemblyReferences.Outside(delivery));
        Assert.Empty(AssemblyReferences.Outside(delivery, "Microsoft.Extensions.*"));
        Assert.Equal(["Microsoft.Extensions.TimeProvider.Testing"], AssemblyReferences.Among(delivery, "Microsoft.*"));
    }
}
