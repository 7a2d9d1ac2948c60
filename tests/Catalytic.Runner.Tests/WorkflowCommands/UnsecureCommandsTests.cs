using Catalytic.Runner.WorkflowCommands;

namespace Catalytic.Runner.Tests.WorkflowCommands;

/// <summary>`::set-env::` and `::add-path::` as GitHub's runner treats them (SetEnvCommandExtension, AddPathCommandExtension).</summary>
public sealed class UnsecureCommandsTests
{
    private static WorkflowCommand Parse(string line) => WorkflowCommand.TryParse(line)!;

    [Theory]
    [InlineData("true", true)]
    [InlineData("True", true)]
    [InlineData(" TRUE ", true)]
    [InlineData("1", false)]
    [InlineData("yes", false)]
    [InlineData("false", false)]
    public void Allowed_reads_the_variable_as_bool_TryParse_does(string value, bool allowed)
    {
        Assert.Equal(allowed, UnsecureCommands.Allowed(new Dictionary<string, string> { ["ACTIONS_ALLOW_UNSECURE_COMMANDS"] = value }));
    }

    [Fact]
    public void Allowed_is_false_without_the_variable()
    {
        Assert.False(UnsecureCommands.Allowed(new Dictionary<string, string>()));
    }

    [Theory]
    [InlineData("::set-env name=A::b", "set-env")]
    [InlineData("::add-path::/opt/bin", "add-path")]
    public void Disabled_command_fails_the_step_with_GitHubs_two_errors(string line, string name)
    {
        var result = UnsecureCommands.Apply(Parse(line), line, allowed: false);
        Assert.NotNull(result.Failure);
        Assert.Null(result.SetEnv);
        Assert.Null(result.AddPath);
        Assert.Equal($"Unable to process command '{line}' successfully.", result.Errors[0]);
        Assert.StartsWith($"The `{name}` command is disabled. Please upgrade to using Environment Files or opt into unsecure command execution by setting the `ACTIONS_ALLOW_UNSECURE_COMMANDS` environment variable to `true`.", result.Errors[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Allowed_set_env_sets_the_variable_with_the_deprecation_warning()
    {
        var result = UnsecureCommands.Apply(Parse("::set-env name=GREETING::hello world"), "::set-env name=GREETING::hello world", allowed: true);
        Assert.Equal(new KeyValuePair<string, string>("GREETING", "hello world"), result.SetEnv);
        Assert.Null(result.Failure);
        Assert.Empty(result.Errors);
        Assert.StartsWith("The `set-env` command is deprecated and will be disabled soon.", result.Warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Allowed_add_path_prepends_the_folder()
    {
        var result = UnsecureCommands.Apply(Parse("::add-path::/opt/tools"), "::add-path::/opt/tools", allowed: true);
        Assert.Equal("/opt/tools", result.AddPath);
        Assert.Null(result.Failure);
    }

    [Fact]
    public void Set_env_of_NODE_OPTIONS_is_refused_without_failing_the_step()
    {
        var result = UnsecureCommands.Apply(Parse("::set-env name=node_options::--require=x"), "::set-env name=node_options::--require=x", allowed: true);
        Assert.Null(result.SetEnv);
        Assert.Null(result.Failure);
        Assert.Equal(["Can't update NODE_OPTIONS environment variable using ::set-env:: command."], result.Errors);
    }

    [Theory]
    [InlineData("::set-env::value", "Required field 'name' is missing in ##[set-env] command.")]
    [InlineData("::add-path::", "Value cannot be null. (Parameter 'path')")]
    public void Allowed_command_without_its_argument_fails_the_step(string line, string reason)
    {
        var result = UnsecureCommands.Apply(Parse(line), line, allowed: true);
        Assert.Equal(reason, result.Failure);
    }
}
