namespace Catalytic.Cli;

/// <summary>Dispatches argv to a verb, maps usage errors to exit code 2 and Ctrl-C to cancellation.</summary>
public static class CommandLine
{
    /// <summary>Every verb, in the order `catalytic --help` lists them.</summary>
    public static IReadOnlyList<ICommand> Commands { get; } = CommandRegistry.All();

#pragma warning disable RS0030 // The composition root: the one place the CLI names the system clock; every verb takes it from CliArgs.Time.
    private static TimeProvider SystemClock => TimeProvider.System;
#pragma warning restore RS0030

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.Out.Write(RootHelp());
            return args.Length == 0 ? ExitCodes.Invalid : ExitCodes.Success;
        }

        if (args[0] is "--version" or "version")
        {
            Console.Out.WriteLine("catalytic " + (typeof(CommandLine).Assembly.GetName().Version?.ToString(3) ?? "0.0.0"));
            return ExitCodes.Success;
        }

        var command = Commands.FirstOrDefault(c => c.Spec.Name == args[0]);
        if (command is null)
        {
            Console.Error.WriteLine($"catalytic: unknown command '{args[0]}'. Run 'catalytic --help' for the list.");
            return ExitCodes.Invalid;
        }

        CliArgs parsed;
        try
        {
            parsed = CliArgs.Parse(args[1..], command.Spec, SystemClock);
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"catalytic {command.Spec.Name}: {e.Message}");
            return ExitCodes.Invalid;
        }

        if (parsed.Has("help"))
        {
            Console.Out.Write(command.Spec.HelpText());
            return ExitCodes.Success;
        }

        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            // First Ctrl-C cancels gracefully; a second one falls through to the default (kill).
            if (!cts.IsCancellationRequested)
            {
                e.Cancel = true;
                cts.Cancel();
            }
        };
        Console.CancelKeyPress += onCancel;
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM,
            ctx =>
            {
                ctx.Cancel = true;
                cts.Cancel();
            });
        try
        {
            return await command.ExecuteAsync(parsed, cts.Token);
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"catalytic {command.Spec.Name}: {e.Message}");
            return ExitCodes.Invalid;
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            Console.Error.WriteLine("catalytic: cancelled");
            return ExitCodes.Cancelled;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static string RootHelp()
    {
        var sb = new System.Text.StringBuilder();
        sb.AppendLine("usage: catalytic <command> [options]").AppendLine().AppendLine("commands:");
        // Verbs starting with "__" are started by Catalytic itself (a worker's __run-job), not listed.
        var listed = Commands.Where(c => !c.Spec.Name.StartsWith("__", StringComparison.Ordinal)).ToList();
        var width = listed.Max(c => c.Spec.Name.Length) + 2;
        foreach (var c in listed)
        {
            sb.Append("  ").Append(c.Spec.Name.PadRight(width)).AppendLine(c.Spec.Summary);
        }

        sb.AppendLine().AppendLine("Run 'catalytic <command> --help' for a command's options. Exit codes: docs/cli.md.");
        return sb.ToString();
    }
}
