using Catalytic.Delivery.Config;
using Catalytic.Platform.Config;
using Catalytic.Testing.Inputs;

namespace Catalytic.Delivery.Tests.Config;

/// <summary>
/// catalytic.yml as a file of sections (apps: is delivery's, actions: is `run`'s, more to come), and the inputs that
/// crashed its reader before it stood on the shared YAML layer.
/// </summary>
public sealed class CatalyticFileTests
{
    [Fact]
    public void Parse_OnlyAnotherSection_IsValidWithNoApps()
    {
        var result = DeliveryConfigParser.Parse("actions:\n  acme/stamp@v1: ../stamp\n");
        Assert.True(result.Ok, string.Join("\n", result.Errors));
        Assert.Empty(result.Config!.Apps);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# apps come later\n")]
    public void Parse_EmptyFile_IsValidAndConfiguresNothing(string text)
    {
        var result = DeliveryConfigParser.Parse(text);
        Assert.True(result.Ok, string.Join("\n", result.Errors));
        Assert.Empty(result.Config!.Apps);
    }

    [Fact]
    public void Parse_MisspeltSection_IsAPositionedErrorWithDidYouMean()
    {
        var result = DeliveryConfigParser.Parse("aps:\n  web: {}\n", "catalytic.yml");
        Assert.Equal("catalytic.yml:1:1: unknown key 'aps' (expected one of: apps, actions, actions-url, environments, runs, repositories, checks, notifications, alerts, status); did you mean 'apps'?", Assert.Single(result.Errors).ToString());
    }

    [Fact]
    public void Read_OneReadingOfTheFile_ServesEverySection()
    {
        var file = CatalyticFile.Parse("apps:\n  web:\n    run: ./web\n    environments:\n      prod: { listen: 127.0.0.1:9100 }\nactions:\n  acme/x@v1: ./x\n");
        var config = DeliveryConfigParser.Read(file);
        Assert.True(config.Ok, string.Join("\n", config.Errors));
        Assert.Equal("web", Assert.Single(config.Config!.Apps).Name);
        Assert.Equal("acme/x@v1", Assert.Single(((Platform.Yaml.YamlMapping)file["actions"]!).Entries).Key.Value);
    }

    [Fact]
    public void Parse_DuplicateKeys_AreEachReportedWithPosition()
    {
        var result = DeliveryConfigParser.Parse("apps:\n  web:\n    run: a\n    run: b\n    environments:\n      prod: { listen: 127.0.0.1:9101 }\n", "c.yml");
        Assert.Equal("c.yml:4:5: duplicate key 'run': it is already defined in this mapping", Assert.Single(result.Errors).ToString());
    }

    // Each of these crashed DeliveryConfigParser (YamlDotNet's representation model and casts of keys to scalars).
    [Theory]
    [InlineData("apps:\n  [web]:\n    run: x\n", 2, 3, "a mapping key must be a scalar")]                               // InvalidCastException
    [InlineData("apps:\n  web:\n    run: x\n    env: { [A]: 1 }\n", 4, 12, "a mapping key must be a scalar")]   // InvalidCastException
    [InlineData(" : t", 1, 3, "its key has no value")]                                                           // ArgumentException
    [InlineData("apps: [\nweb\n", 2, 1, "invalid YAML: the YAML cannot be read from here")]                     // InvalidOperationException
    [InlineData("apps:\n  ? a: b\n  : x\n", 2, 5, "a mapping key must be a scalar")]                            // InvalidCastException (fuzz/regressions)
    [InlineData("apps: [!!!!]\n", 1, 8, "Global tags must be valid URIs")]                                    // ArgumentException (fuzz/regressions)
    public void Parse_InputThatCrashedTheReader_IsAPositionedError(string text, int line, int column, string message)
    {
        var result = DeliveryConfigParser.Parse(text, "c.yml");
        Assert.Contains(result.Errors, e => e.Line == line && e.Column == column && e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_DeepNesting_IsAnErrorNotAStackOverflow()
    {
        var error = Assert.Single(DeliveryConfigParser.Parse("apps: " + new string('{', 100_000)).Errors);
        Assert.Contains("nests deeper than 100 levels", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MutatedConfigs_NeverThrow()
    {
        var seeds = YamlMutations.Seeds("samples", "tests/conformance/action-dir-catalytic-yml")
            .Where(s => s.Contains("apps:", StringComparison.Ordinal) || s.Contains("actions:", StringComparison.Ordinal)).ToList();
        var parsed = 0;
        foreach (var text in YamlMutations.Mutants(seeds, 1500, seed: 1515))
        {
            var result = DeliveryConfigParser.Parse(text, "c.yml");
            Assert.All(result.Errors, e => Assert.True(e.Line >= 1 && e.Column >= 1, e.ToString()));
            parsed++;
        }

        Assert.Equal(1500, parsed);
    }
}
