using System.Net.Http.Headers;
using System.Text.Json;
using Catalytic.Contracts.Json;
using Catalytic.Contracts.Server;
using Catalytic.Pipelines.Repositories;

namespace Catalytic.Cli.Commands;

/// <summary>
/// `catalytic hook install|uninstall|notify`: the opt-in git hook that tells a running `catalytic serve` at once that
/// the repository's refs changed (serve watches them anyway; without the hook it never touches the user's hooks).
/// </summary>
internal sealed class HookCommand : ICommand
{
    public CommandSpec Spec { get; } = new("hook", "hook install|uninstall|notify [--repo NAME] [--state DIR]",
        "Install (or remove) the git hook that tells `catalytic serve` at once when this repository's refs change; `notify` is what the hook runs.",
        [
            new("repo", null, "The repository's name on the server (default: its folder's name)", "NAME"),
            DeliveryCommandSupport.State,
        ],
        MaxPositionals: 1);

    public async Task<int> ExecuteAsync(CliArgs args, CancellationToken cancellationToken)
    {
        var action = args.Positional(0) ?? throw new UsageException("hook needs install, uninstall or notify");
        var here = Directory.GetCurrentDirectory();
        var state = Path.GetFullPath(DeliveryCommandSupport.StateDirectory(args));
        switch (action)
        {
            case "install":
            case "uninstall":
            {
                if (ServedRepository.Find(here) is not { } served)
                {
                    throw new UsageException($"{here} is not in a git repository");
                }

                var result = action == "install"
                    ? GitHook.Install(served.Path!, Environment.ProcessPath ?? "catalytic", state, args.Get("repo") ?? served.Name)
                    : GitHook.Uninstall(served.Path!);
                (result.Ok ? Console.Out : Console.Error).WriteLine($"catalytic hook {action}: {result.Message}");
                return result.Ok ? ExitCodes.Success : ExitCodes.Failure;
            }

            case "notify":
                return await NotifyAsync(state, args.Get("repo") ?? ServedRepository.Find(here)?.Name ?? throw new UsageException("--repo NAME is required outside a repository"), cancellationToken);
            default:
                throw new UsageException($"unknown hook action '{action}' (install, uninstall, notify)");
        }
    }

    private static async Task<int> NotifyAsync(string state, string repository, CancellationToken ct)
    {
        try
        {
            var info = JsonSerializer.Deserialize(await File.ReadAllTextAsync(Path.Combine(state, ServerFiles.Info), ct), ApiJson.Default.ServerInfo)!;
            var token = (await File.ReadAllTextAsync(Path.Combine(state, ServerFiles.Token), ct)).Trim();
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(info.Url), $"api/repos/{Uri.EscapeDataString(repository)}/notify"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(request, ct);
            return response.IsSuccessStatusCode ? ExitCodes.Success : ExitCodes.Failure;
        }
        catch (Exception e) when (e is IOException or HttpRequestException or JsonException or TaskCanceledException or UnauthorizedAccessException)
        {
            // No server running is not an error for a hook: the server reads the refs when it starts.
            Console.Error.WriteLine($"catalytic hook notify: no server to tell ({e.Message})");
            return ExitCodes.Failure;
        }
    }
}
