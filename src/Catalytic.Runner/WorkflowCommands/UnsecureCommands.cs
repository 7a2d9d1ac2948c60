namespace Catalytic.Runner.WorkflowCommands;

/// <summary>
/// GitHub's <c>::set-env::</c> and <c>::add-path::</c>, disabled since CVE-2020-15228 unless
/// <c>ACTIONS_ALLOW_UNSECURE_COMMANDS</c> is <c>true</c> in the runner's environment or the step's <c>env</c> context
/// (GitHub's <c>SetEnvCommandExtension</c> and <c>AddPathCommandExtension</c>). Disabled, either command fails its
/// step with GitHub's two errors; allowed, it sets the variable or prepends the folder for the later steps of the job,
/// with the deprecation warning GitHub gave for these commands.
/// </summary>
public static class UnsecureCommands
{
    public const string AllowVariable = "ACTIONS_ALLOW_UNSECURE_COMMANDS";

    /// <summary>Names <c>::set-env::</c> refuses to change, as on GitHub.</summary>
    private static readonly string[] BlockedNames = ["NODE_OPTIONS"];

    /// <summary>True for the two commands this class governs.</summary>
    public static bool Governs(string command) =>
        command.Equals("set-env", StringComparison.OrdinalIgnoreCase) || command.Equals("add-path", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether the commands are allowed: <paramref name="environment"/> holds the step's process environment (the runner's own
    /// variables and the <c>env</c> context). GitHub reads the value with <c>bool.TryParse</c>: <c>true</c> in any case.
    /// </summary>
    public static bool Allowed(IReadOnlyDictionary<string, string> environment) =>
        environment.TryGetValue(AllowVariable, out var value) && bool.TryParse(value, out var allowed) && allowed;

    /// <summary>Applies <paramref name="command"/> (one of <see cref="Governs"/>) and says what the step must report.</summary>
    public static UnsecureCommandResult Apply(WorkflowCommand command, string line, bool allowed)
    {
        var name = command.Name.ToLowerInvariant();
        if (!allowed)
        {
            return UnsecureCommandResult.Failed(line,
                $"The `{name}` command is disabled. Please upgrade to using Environment Files or opt into unsecure command execution by setting "
                + $"the `{AllowVariable}` environment variable to `true`. For more information see: {Changelog}");
        }

        var warning = $"The `{name}` command is deprecated and will be disabled soon. Please upgrade to using Environment Files. For more information see: {Changelog}";
        if (name == "add-path")
        {
            return command.Message.Length == 0
                ? UnsecureCommandResult.Failed(line, "Value cannot be null. (Parameter 'path')")
                : new UnsecureCommandResult(null, null, command.Message, warning, []);
        }

        if (!command.Properties.TryGetValue("name", out var variable) || variable.Length == 0)
        {
            return UnsecureCommandResult.Failed(line, "Required field 'name' is missing in ##[set-env] command.");
        }

        if (BlockedNames.FirstOrDefault(b => b.Equals(variable, StringComparison.OrdinalIgnoreCase)) is { } blocked)
        {
            // An error annotation, but the step goes on (GitHub returns without failing the command).
            return new UnsecureCommandResult(null, null, null, warning, [$"Can't update {blocked} environment variable using ::set-env:: command."]);
        }

        return new UnsecureCommandResult(new KeyValuePair<string, string>(variable, command.Message), null, null, warning, []);
    }

    private const string Changelog = "https://github.blog/changelog/2020-10-01-github-actions-deprecating-set-env-and-add-path-commands/";
}

/// <summary>
/// What one unsecure command does: a variable to set or a folder to prepend to PATH; <see cref="Failure"/> when it fails
/// its step; the warning and errors to annotate the step with.
/// </summary>
public sealed record UnsecureCommandResult(
    KeyValuePair<string, string>? SetEnv,
    string? Failure,
    string? AddPath,
    string? Warning,
    IReadOnlyList<string> Errors)
{
    /// <summary>GitHub's command manager: "Unable to process command '…' successfully." then the reason; the step fails.</summary>
    public static UnsecureCommandResult Failed(string line, string reason) =>
        new(null, reason, null, null, [$"Unable to process command '{line.Trim()}' successfully.", reason]);
}
