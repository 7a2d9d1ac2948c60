using System.Text;
using System.Text.Json.Nodes;

namespace Catalytic.Testing.Logs;

/// <summary>
/// A job's log as the run store keeps it, for tests that read it back: chunks of JSON lines, one
/// <c>{"line": {"text": …}}</c> object a line. Takes the chunks' data as the caller's store gives it (this project
/// references no product assembly).
/// </summary>
public static class StoredLog
{
    /// <summary>The text of every line in <paramref name="chunks"/>, one a line, in order.</summary>
    public static async Task<string> TextAsync<T>(IAsyncEnumerable<T> chunks, Func<T, string> data)
    {
        var text = new StringBuilder();
        await foreach (var chunk in chunks)
        {
            foreach (var line in data(chunk).Split('\n'))
            {
                text.Append(JsonNode.Parse(line)?["line"]?["text"]?.GetValue<string>()).Append('\n');
            }
        }

        return text.ToString();
    }
}
