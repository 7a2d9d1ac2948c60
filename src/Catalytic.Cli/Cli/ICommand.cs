namespace Catalytic.Cli;

/// <summary>One verb of the CLI. Each lives in its own file under Commands/.</summary>
public interface ICommand
{
    CommandSpec Spec { get; }

    /// <summary>Runs the verb; returns an exit code from <see cref="ExitCodes"/>.</summary>
    Task<int> ExecuteAsync(CliArgs args, CancellationToken cancellationToken);
}
