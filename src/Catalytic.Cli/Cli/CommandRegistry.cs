using Catalytic.Cli.Commands;

namespace Catalytic.Cli;

/// <summary>The verb table. Add a verb here when adding its file under Commands/.</summary>
internal static class CommandRegistry
{
    public static IReadOnlyList<ICommand> All() =>
    [
        new RunCommand(),
        new VersionCommand(),
        new ValidateCommand(),
    ];
}
