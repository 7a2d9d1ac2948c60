namespace Catalytic.Cli.Commands;

/// <summary>`catalytic version`: prints the version and the runtime.</summary>
internal sealed class VersionCommand : ICommand
{
    public CommandSpec Spec { get; } = new("version", "version", "Print the version of catalytic and the .NET runtime.", []);

    public Task<int> ExecuteAsync(CliArgs args, CancellationToken cancellationToken)
    {
        Console.Out.WriteLine($"catalytic {typeof(VersionCommand).Assembly.GetName().Version?.ToString(3)} (.NET {Environment.Version})");
        return Task.FromResult(ExitCodes.Success);
    }
}
