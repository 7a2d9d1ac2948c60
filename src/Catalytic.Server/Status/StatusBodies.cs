using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Catalytic.Contracts.Problems;
using Catalytic.Server.Api;
using Microsoft.AspNetCore.Http;

namespace Catalytic.Server.Status;

/// <summary>
/// Reads the status API's small JSON bodies (ack, silence) itself instead of through minimal-API binding, so that a
/// refusal is a problem naming the field: an oversized body is 413 (read no further than the limit), malformed JSON or a
/// value of the wrong type is 400 naming the member the reader stopped at ("body" when it is the document itself).
/// </summary>
internal static class StatusBodies
{
    /// <summary>The largest body accepted: a silence with 50 matchers of 500 characters and a 1000-character comment fits.</summary>
    public const int MaxBytes = 64 * 1024;

    private static readonly ProblemKind TooLarge = new(StatusCodes.Status413PayloadTooLarge, "payload too large");

    /// <summary>The body as <typeparamref name="T"/> (null when empty), or the refusal to answer with.</summary>
    /// <param name="maxBytes">The limit (default <see cref="MaxBytes"/>; a worker's probe report carries up to 1 MiB of a body).</param>
    public static async Task<(T? Value, IResult? Refusal)> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> type, CancellationToken ct, int maxBytes = MaxBytes)
        where T : class
    {
        if (request.ContentLength > maxBytes)
        {
            return (null, ApiResults.Problem(TooLarge, $"the body is {request.ContentLength} bytes; the limit is {maxBytes}", "body"));
        }

        byte[]? bytes;
        try
        {
            bytes = await ReadBoundedAsync(request.Body, maxBytes, ct);
        }
        catch (BadHttpRequestException e)
        {
            // The client stopped sending mid-body or too slowly (Kestrel's minimum data rate).
            return (null, ApiResults.Problem(ApiProblems.Invalid, "the body could not be read: " + e.Message, "body"));
        }

        if (bytes is null)
        {
            return (null, ApiResults.Problem(TooLarge, $"the body is larger than {maxBytes} bytes", "body"));
        }

        if (bytes.Length == 0)
        {
            return (null, null);
        }

        try
        {
            return (JsonSerializer.Deserialize(bytes, type), null);
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" at line {line + 1}, byte {e.BytePositionInLine + 1}" : "";
            return (null, ApiResults.Problem(ApiProblems.Invalid, $"the body is not the JSON expected{where}: {FirstSentence(e.Message)}", Field(e.Path)));
        }
    }

    /// <summary>"$.matchers[3]" → "matchers"; the document itself → "body".</summary>
    internal static string Field(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$")
        {
            return "body";
        }

        var member = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        var end = member.IndexOfAny(['.', '[']);
        member = end > 0 ? member[..end] : member;
        return member.Length is > 0 and <= 100 ? member : "body";
    }

    // System.Text.Json's message repeats the path and positions after its first sentence.
    private static string FirstSentence(string message) => message.Split(" Path: ", 2)[0].TrimEnd();

    private static async Task<byte[]?> ReadBoundedAsync(Stream body, int maxBytes, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int n;
        while ((n = await body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + n > maxBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, n);
        }

        return buffer.ToArray();
    }
}
