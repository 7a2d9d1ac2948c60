using System.Text.Json;

namespace Catalytic.Status.Checks;

/// <summary>
/// What one probe saw: the values the condition placeholders read. A field the probe kind does not measure is null
/// (a TCP probe has no [STATUS]); a condition over a missing value fails and says "missing".
/// </summary>
public sealed class ProbeResult
{
    private JsonElement? _json;
    private bool _jsonRead;

    /// <summary>HTTP status code.</summary>
    public int? Status { get; init; }

    /// <summary>Time the probe took (connect through the last byte read).</summary>
    public TimeSpan ResponseTime { get; init; }

    /// <summary>The body (HTTP), at most <see cref="Probes.HttpProbe.MaxBody"/> bytes decoded as UTF-8.</summary>
    public string? Body { get; init; }

    /// <summary>True when a connection was made.</summary>
    public bool Connected { get; init; }

    /// <summary>Time left on the server's certificate (TLS and https).</summary>
    public TimeSpan? CertificateExpiration { get; init; }

    /// <summary>The DNS answer's response code.</summary>
    public string? DnsRcode { get; init; }

    /// <summary>The address connected to, or the first DNS answer.</summary>
    public string? Ip { get; init; }

    /// <summary>Why the probe could not complete (connection refused, timeout…); null when it did.</summary>
    public string? Error { get; init; }

    /// <summary>The body parsed as JSON once, for [BODY] paths; null when it is not JSON.</summary>
    public JsonElement? Json
    {
        get
        {
            if (!_jsonRead)
            {
                _jsonRead = true;
                if (Body is { Length: > 0 } b)
                {
                    try
                    {
                        using var doc = JsonDocument.Parse(b, new JsonDocumentOptions { MaxDepth = 64 });
                        _json = doc.RootElement.Clone();
                    }
                    catch (JsonException)
                    {
                        _json = null;
                    }
                }
            }

            return _json;
        }
    }
}
