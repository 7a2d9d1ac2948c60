using Catalytic.Cli.Client;
using Catalytic.Contracts.Deployments;

namespace Catalytic.Cli.Commands;

/// <summary>What the delivery verbs share: finding the server of the current directory and printing deployments.</summary>
internal static class DeliveryCommandSupport
{
    public static readonly OptionSpec State = new("state", null, "State folder of the server (default .catalytic)", "DIR");
    public static readonly OptionSpec Env = new("env", "e", "Environment name", "ENV");

    public static string StateDirectory(CliArgs args) => args.Get("state") ?? ".catalytic";

    public static string RequireEnv(CliArgs args, string verb) =>
        args.Get("env") ?? throw new UsageException($"--env ENV is required (usage: catalytic {verb} APP --env ENV)");

    public static string RequireApp(CliArgs args, string verb) =>
        args.Positional(0) ?? throw new UsageException($"APP is required (usage: catalytic {verb} APP --env ENV)");

    /// <summary>Runs <paramref name="action"/> against the server; maps API refusals to messages and exit codes.</summary>
    public static Task<int> WithClientAsync(CliArgs args, string verb, Func<DeliveryClient, Task<int>> action) =>
        WithApiAsync(verb, async () =>
        {
            // The CLI is a host: its clock is the system's.
            using var client = DeliveryClient.Connect(StateDirectory(args), TimeProvider.System);
            return await action(client);
        });

    /// <summary>Runs <paramref name="action"/>, which calls the server's API; maps refusals to messages and exit codes.</summary>
    public static async Task<int> WithApiAsync(string verb, Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (DeliveryApiException e)
        {
            Console.Error.WriteLine($"catalytic {verb}: {e.Message}{(e.Field is null ? "" : $" (field: {e.Field})")}");
            foreach (var line in e.Errors)
            {
                Console.Error.WriteLine("  " + line);
            }

            return e.Status is 400 or 404 or 409 ? ExitCodes.Invalid : ExitCodes.Failure;
        }
    }

    /// <summary>Prints a deployment's final line: id, state, reason; returns its exit code.</summary>
    public static int Report(DeploymentView d)
    {
        Console.Out.WriteLine($"{d.Id} {d.State}: {d.Reason}");
        if (d.IsWaiting)
        {
            Console.Error.WriteLine($"  approve with: catalytic approve {d.App} --env {d.Environment} --id {d.Id}   (or reject / rollback)");
        }

        return d.ExitCode;
    }

    /// <summary>
    /// Reports a deployment the verb did not wait for (--no-wait): a finished or gated one keeps its own code, one that
    /// still runs is what was asked for (0).
    /// </summary>
    public static int ReportRecorded(DeploymentView d)
    {
        var code = Report(d);
        return d.IsTerminal || d.IsWaiting ? code : ExitCodes.Success;
    }

    public static void PrintEvent(EventView e) => Console.Error.WriteLine($"  {e.At.ToLocalTime():HH:mm:ss.fff} {e.State,-20} {e.Message}");
}
