using Catalytic.Platform.Yaml;
using Catalytic.Testing.Inputs;

namespace Catalytic.Platform.Tests.Yaml;

/// <summary>
/// Issue 15's finding as a property: no typo in a real YAML file makes the reader throw, and every error it reports
/// stands inside the text. The seeds are this repository's workflows, conformance repositories and sample configs.
/// </summary>
public sealed class YamlMutationTests
{
    private static readonly IReadOnlyList<string> Seeds = YamlMutations.Seeds(".github", "tests/conformance", "samples");

    [Fact]
    public void Parse_MutatedRepositoryFiles_NeverThrowsAndPositionsEveryErrorInTheText()
    {
        var read = 0;
        foreach (var text in YamlMutations.Mutants(Seeds, 1500, seed: 15))
        {
            foreach (var options in new[] { YamlReadOptions.Default, new YamlReadOptions { IgnoreKeyCase = true } })
            {
                var doc = YamlDocument.Parse("m.yml", text, options);
                var lines = text.Split('\n').Length + 1;
                Assert.All(doc.Errors, e => Assert.True(e.At.Line >= 1 && e.At.Line <= lines && e.At.Column >= 1, $"{e} outside the text:\n{text}"));
                Assert.True(doc.Root is not null || !doc.Errors.IsEmpty || doc.IsEmpty, "a document with neither tree nor error:\n" + text);
                read++;
            }
        }

        Assert.Equal(3000, read);
    }
}
