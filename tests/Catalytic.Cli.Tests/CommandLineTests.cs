using Catalytic.Cli;

namespace Catalytic.Cli.Tests;

public sealed class CommandLineTests
{
    private static readonly CommandSpec Spec = new("run", "run [EVENT]", "Run workflows.",
    [
        new OptionSpec("job", "j", "Only this job", "ID"),
        new OptionSpec("input", null, "An input", "NAME=VALUE"),
        new OptionSpec("list", null, "Print the plan"),
    ], MaxPositionals: 1);

    [Fact]
    public void Parse_reads_short_long_inline_and_repeated_options()
    {
        var a = CliArgs.Parse(["push", "-j", "build", "--input=a=1", "--input", "b=2", "--list"], Spec, new Microsoft.Extensions.Time.Testing.FakeTimeProvider());
        Assert.Equal("push", a.Positional(0));
        Assert.Equal("build", a.Get("job"));
        Assert.Equal(["a=1", "b=2"], a.GetAll("input"));
        Assert.True(a.Has("list"));
    }

    [Fact]
    public void Parse_unknown_option_is_a_usage_error_naming_it()
    {
        var e = Assert.Throws<UsageException>(() => CliArgs.Parse(["--nope"], Spec, new Microsoft.Extensions.Time.Testing.FakeTimeProvider()));
        Assert.Contains("--nope", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_missing_value_and_extra_positional_are_usage_errors()
    {
        Assert.Throws<UsageException>(() => CliArgs.Parse(["-j"], Spec, new Microsoft.Extensions.Time.Testing.FakeTimeProvider()));
        Assert.Throws<UsageException>(() => CliArgs.Parse(["push", "pull_request"], Spec, new Microsoft.Extensions.Time.Testing.FakeTimeProvider()));
    }

    [Fact]
    public async Task Unknown_command_exits_with_code_2()
    {
        Assert.Equal(ExitCodes.Invalid, await CommandLine.RunAsync(["frobnicate"]));
    }
}
