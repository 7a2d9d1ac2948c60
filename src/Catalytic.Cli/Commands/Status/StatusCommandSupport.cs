using System.Globalization;
using Catalytic.Cli.Client;

namespace Catalytic.Cli.Commands.Status;

/// <summary>What the status verbs share: the client of the server in the state folder and the --json switch.</summary>
internal static class StatusCommandSupport
{
    public static readonly OptionSpec Json = new("json", null, "Print JSON (the API's document)");

    public static Task<int> WithClientAsync(CliArgs args, string verb, Func<StatusClient, Task<int>> action) =>
        DeliveryCommandSupport.WithApiAsync(verb, async () =>
        {
            using var client = StatusClient.Connect(DeliveryCommandSupport.StateDirectory(args));
            return await action(client);
        });

    public static string Ms(double ms) => ms.ToString("0", CultureInfo.InvariantCulture) + "ms";

    public static string Percent(double f) => (f * 100).ToString("0.###", CultureInfo.InvariantCulture) + "%";

    public static string Time(DateTimeOffset t) => t.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    public static int Limit(CliArgs args, int fallback) =>
        args.Get("limit") is not { } l ? fallback
        : int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is > 0 and <= 1000 ? n
        : throw new UsageException("--limit must be a number from 1 to 1000");
}
