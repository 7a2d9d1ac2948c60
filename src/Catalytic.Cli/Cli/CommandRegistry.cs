using Catalytic.Cli.Commands;
using Catalytic.Cli.Commands.Demo;
using Catalytic.Cli.Commands.Status;

namespace Catalytic.Cli;

/// <summary>The verb table. Add a verb here when adding its file under Commands/.</summary>
internal static class CommandRegistry
{
    public static IReadOnlyList<ICommand> All() =>
    [
        new DemoCommand(),
        new RunCommand(),
        new ValidateCommand(),
        new ServeCommand(),
        new HookCommand(),
        new DeployCommand(),
        new ApproveCommand(),
        new RejectCommand(),
        new RollbackCommand(),
        new StatusCommand(),
        new LogsCommand(),
        new RunsCommand(),
        new DispatchCommand(),
        new CancelCommand(),
        new RerunCommand(),
        new WorkersCommand(),
        new ChecksCommand(),
        new AlertsCommand(),
        new AckCommand(),
        new SilenceCommand(),
        new NotificationsCommand(),
        new PrometheusCommand(),
        new GrafanaCommand(),
        new UserCommand(),
        new TokenCommand(),
        new AuditCommand(),
        new VersionCommand(),
        new RunJobCommand(),
        new WorkerCommand(),
    ];
}
