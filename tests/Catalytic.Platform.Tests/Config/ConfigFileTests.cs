using System.Collections.Immutable;
using Catalytic.Platform.Config;
using Catalytic.Platform.Yaml;

namespace Catalytic.Platform.Tests.Config;

/// <summary>A file of sections: read once, each feature reads its own, the file checks only its top level.</summary>
public sealed class ConfigFileTests
{
    private static readonly string[] Sections = ["apps", "actions", "checks"];

    private static readonly ConfigSection<ImmutableArray<string>> Checks = new("checks", ReadNames, []);

    private static ImmutableArray<string> ReadNames(YamlNode node, YamlReader r)
    {
        if (node is not YamlSequence list)
        {
            r.Error(node, "`checks:` must be a list of names");
            return [];
        }

        return [.. list.Items.OfType<YamlScalar>().Select(s => s.Value)];
    }

    [Fact]
    public void Read_PresentSection_GivesItsFeaturesConfig()
    {
        var file = ConfigFile.Parse("c.yml", "checks: [db, web]\n", Sections);
        Assert.Empty(file.Errors);
        var checks = file.Read(Checks);
        Assert.True(checks.Ok);
        Assert.Equal(["db", "web"], checks.Value);
    }

    [Fact]
    public void Read_AbsentSection_GivesTheAbsentValue()
    {
        var file = ConfigFile.Parse("c.yml", "apps: {}\n", Sections);
        Assert.Equal(ImmutableArray<string>.Empty, file.Read(Checks).Value);
    }

    [Fact]
    public void Read_BadSection_GivesItsOwnErrorsOnly()
    {
        var file = ConfigFile.Parse("c.yml", "apps: {}\nchecks: db\n", Sections);
        Assert.Empty(file.Errors);
        Assert.Equal("2:9: `checks:` must be a list of names", Assert.Single(file.Read(Checks).Errors).ToString());
    }

    [Fact]
    public void Parse_UnknownTopLevelKey_IsAPositionedErrorWithDidYouMean()
    {
        var file = ConfigFile.Parse("c.yml", "apps: {}\nchecs: []\n", Sections);
        Assert.Equal("2:1: unknown key 'checs' (expected one of: apps, actions, checks); did you mean 'checks'?", Assert.Single(file.Errors).ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("# nothing configured yet\n")]
    [InlineData("~\n")]
    [InlineData("{}\n")]
    public void Parse_FileWithoutSections_IsValidAndConfiguresNothing(string text)
    {
        var file = ConfigFile.Parse("c.yml", text, Sections);
        Assert.True(file.IsEmpty);
        Assert.Empty(file.Errors);
        Assert.Empty(file.Read(Checks).Value);
    }

    [Fact]
    public void Parse_RootThatIsNotAMapping_IsAnError()
    {
        var file = ConfigFile.Parse("c.yml", "- apps\n", Sections);
        Assert.Equal("1:1: expected a mapping of top-level sections (apps, actions, checks), found a sequence", Assert.Single(file.Errors).ToString());
    }

    [Fact]
    public void Parse_BrokenYaml_IsTheFilesErrorAndEverySectionIsAbsent()
    {
        var file = ConfigFile.Parse("c.yml", "checks: [db\n", Sections);
        Assert.True(Assert.Single(file.Errors).IsSyntax);
        Assert.True(file.Read(Checks).Ok);
    }

    [Fact]
    public void Read_SectionNotRegistered_IsAProgrammingError()
    {
        var file = ConfigFile.Parse("c.yml", "", ["apps"]);
        Assert.Throws<ArgumentException>(() => file.Read(Checks));
    }
}
