using System.Text.Json;
using Catalytic.Cli.Client;
using Catalytic.Contracts.Access;

namespace Catalytic.Cli.Commands;

/// <summary>`catalytic token create|list|revoke`: API tokens, printed once at creation and stored only as hashes.</summary>
internal sealed class TokenCommand : ICommand
{
    public CommandSpec Spec { get; } = new("token", "token create [--user NAME] [--name N] [--expires 30d] [--role ROLE] | list [--user NAME] [--json] | revoke ID",
        "Manage API tokens: create (printed once on stdout; a token's role is never above its user's; --role worker makes a worker token of the server), list, revoke (effective at once).",
        [
            new("user", "u", "The user the token acts as (default: you; required with the local credential)", "NAME"),
            new("name", "n", "A name to tell the token apart in lists", "N"),
            new("expires", null, "Lifetime: never (default) or a number with m, h, d or w, e.g. 30d", "WHEN"),
            new("role", "r", "viewer, developer, approver, admin (at most the user's), or worker", "ROLE"),
            new("json", null, "Print JSON"),
            DeliveryCommandSupport.State,
        ],
        MaxPositionals: 2);

    public Task<int> ExecuteAsync(CliArgs args, CancellationToken cancellationToken)
    {
        var action = args.Positional(0) ?? throw new UsageException("say what to do: create, list or revoke (catalytic token --help)");
        return action switch
        {
            "create" => DeliveryCommandSupport.WithClientAsync(args, "token", async client =>
            {
                var created = await client.CreateTokenAsync(new CreateTokenBody(args.Get("user"), args.Get("name"), args.Get("role"), args.Get("expires")), cancellationToken);
                var t = created.Token;
                if (args.Has("json"))
                {
                    Console.Out.WriteLine(JsonSerializer.Serialize(created, AccessJson.Default.CreatedTokenView));
                    return ExitCodes.Success;
                }

                Console.Error.WriteLine($"token {t.Id} '{t.Name}' for {t.User ?? "the server (worker)"}, role {t.Role}, {(t.ExpiresAt is { } e ? $"expires {e.ToLocalTime():yyyy-MM-dd HH:mm}" : "no expiry")}; shown this once:");
                Console.Out.WriteLine(created.Secret);
                return ExitCodes.Success;
            }),
            "list" => DeliveryCommandSupport.WithClientAsync(args, "token", async client =>
            {
                var tokens = await client.ListTokensAsync(args.Get("user"), cancellationToken);
                if (args.Has("json"))
                {
                    Console.Out.WriteLine(JsonSerializer.Serialize(tokens, AccessJson.Default.IReadOnlyListTokenView));
                    return ExitCodes.Success;
                }

                foreach (var t in tokens)
                {
                    var expiry = t.Expired ? "expired" : t.ExpiresAt is { } e ? $"expires {e.ToLocalTime():yyyy-MM-dd HH:mm}" : "no expiry";
                    var used = t.LastUsedAt is { } u ? $"used {u.ToLocalTime():yyyy-MM-dd HH:mm}" : "never used";
                    Console.Out.WriteLine($"{t.Id}  {t.Name,-20} {t.User ?? "(worker)",-16} {t.Role,-10} {expiry}, {used}");
                }

                return ExitCodes.Success;
            }),
            "revoke" => DeliveryCommandSupport.WithClientAsync(args, "token", async client =>
            {
                var id = args.Positional(1) ?? throw new UsageException("ID is required (catalytic token revoke ID; see catalytic token list)");
                var t = await client.RevokeTokenAsync(id, cancellationToken);
                Console.Error.WriteLine($"revoked {t.Id} '{t.Name}'");
                return ExitCodes.Success;
            }),
            _ => throw new UsageException($"unknown action '{action}': create, list or revoke"),
        };
    }
}
