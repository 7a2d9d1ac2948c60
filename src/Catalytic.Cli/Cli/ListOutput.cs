using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Catalytic.Contracts;

namespace Catalytic.Cli;

/// <summary>How a verb that lists things prints them: one JSON array with <c>--json</c>, else a line (or a few) each.</summary>
internal static class ListOutput
{
    /// <summary>
    /// Prints <paramref name="items"/> as JSON on stdout when <c>--json</c> was given, otherwise each through
    /// <paramref name="print"/> (and <paramref name="whenEmpty"/>, if any, on stderr when there is none); exits 0.
    /// </summary>
    public static int Print<T>(CliArgs args, IReadOnlyList<T> items, JsonTypeInfo<IReadOnlyList<T>> json, Action<T> print, string? whenEmpty = null)
    {
        if (args.Has("json"))
        {
            Console.Out.WriteLine(JsonSerializer.Serialize(items, json));
            return ExitCodes.Success;
        }

        if (items.Count == 0 && whenEmpty is not null)
        {
            Console.Error.WriteLine(whenEmpty);
        }

        foreach (var item in items)
        {
            print(item);
        }

        return ExitCodes.Success;
    }
}
