using System.Text.Json;
using Catalytic.Cli.Client;
using Catalytic.Contracts.Access;

namespace Catalytic.Cli.Commands;

/// <summary>`catalytic user add|list|set|rm`: the server's user accounts (an admin's credential: the local one works).</summary>
internal sealed class UserCommand : ICommand
{
    public CommandSpec Spec { get; } = new("user", "user add NAME --role ROLE [--password-stdin] | list [--json] | set NAME [--role ROLE] [--password-stdin] | rm NAME",
        "Manage users: add (the password is read from stdin, or generated and printed once), list, set a role or password, rm (its tokens and sessions stop at once).",
        [
            new("role", "r", "viewer, developer, approver or admin", "ROLE"),
            new("password-stdin", null, "Read the password from the first line of standard input"),
            new("json", null, "Print JSON (list)"),
            DeliveryCommandSupport.State,
        ],
        MaxPositionals: 2);

    public Task<int> ExecuteAsync(CliArgs args, CancellationToken cancellationToken)
    {
        var action = args.Positional(0) ?? throw new UsageException("say what to do: add, list, set or rm (catalytic user --help)");
        string Name() => args.Positional(1) ?? throw new UsageException($"NAME is required (catalytic user {action} NAME)");
        return action switch
        {
            "list" => DeliveryCommandSupport.WithClientAsync(args, "user", async client =>
            {
                return ListOutput.Print(args, await client.ListUsersAsync(cancellationToken), AccessJson.Default.IReadOnlyListUserView, u =>
                    Console.Out.WriteLine($"{u.Name,-24} {u.Role,-10} created {u.CreatedAt.ToLocalTime():yyyy-MM-dd HH:mm}"));
            }),
            "add" => AddAsync(args, Name(), cancellationToken),
            "set" => SetAsync(args, Name(), cancellationToken),
            "rm" => DeliveryCommandSupport.WithClientAsync(args, "user", async client =>
            {
                var removed = await client.RemoveUserAsync(Name(), cancellationToken);
                Console.Error.WriteLine($"removed {removed.Name} ({removed.Role}); its tokens and sessions no longer work");
                return ExitCodes.Success;
            }),
            _ => throw new UsageException($"unknown action '{action}': add, list, set or rm"),
        };
    }

    private static Task<int> AddAsync(CliArgs args, string name, CancellationToken ct)
    {
        var role = args.Get("role") ?? throw new UsageException("--role ROLE is required (viewer, developer, approver or admin)");
        var generated = !args.Has("password-stdin");
        var password = generated ? Identity.Passwords.Passwords.Generate() : ReadPassword();
        return DeliveryCommandSupport.WithClientAsync(args, "user", async client =>
        {
            var user = await client.AddUserAsync(new AddUserBody(name, role, password), ct);
            Console.Error.WriteLine($"added {user.Name} ({user.Role})");
            if (generated)
            {
                // Printed once, on stdout alone, so it can be piped to whoever needs it; the server keeps only a hash.
                Console.Error.WriteLine("its password (shown this once):");
                Console.Out.WriteLine(password);
            }

            return ExitCodes.Success;
        });
    }

    private static Task<int> SetAsync(CliArgs args, string name, CancellationToken ct)
    {
        var password = args.Has("password-stdin") ? ReadPassword() : null;
        if (password is null && args.Get("role") is null)
        {
            throw new UsageException("give --role ROLE, --password-stdin, or both");
        }

        return DeliveryCommandSupport.WithClientAsync(args, "user", async client =>
        {
            var user = await client.UpdateUserAsync(name, new UpdateUserBody(args.Get("role"), password), ct);
            Console.Error.WriteLine($"{user.Name}: role {user.Role}{(password is null ? "" : "; password changed, its sessions ended")}");
            return ExitCodes.Success;
        });
    }

    /// <summary>The first line of standard input (a trailing carriage return dropped).</summary>
    internal static string ReadPassword()
    {
        var line = Console.In.ReadLine() ?? throw new UsageException("--password-stdin: standard input is empty");
        return line.TrimEnd('\r');
    }
}
