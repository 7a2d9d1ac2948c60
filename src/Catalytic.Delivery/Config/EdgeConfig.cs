using System.Collections.Immutable;
using Catalytic.Delivery.Routing;

namespace Catalytic.Delivery.Config;

/// <summary>A certificate and its key as PEM files (`tls:`), paths as written (relative ones are to catalytic.yml's folder).</summary>
public sealed record TlsFilesConfig(string Certificate, string Key);

/// <summary>
/// How the edge serves one environment: which requests of its `listen:` address are its (`hosts:`, `path:`,
/// `strip-path:`), TLS (`tls:`), the plain-HTTP address redirecting to it (`redirect:`), how it speaks to instances
/// (`backend:`) and its client-side timeouts and limits (`edge:`). Environments may share a `listen:` address when
/// their hosts or paths tell their requests apart; they then share its TLS, redirect and `edge:` settings.
/// </summary>
public sealed record EdgeConfig
{
    /// <summary>Hosts and path prefix of the environment's requests (every request by default).</summary>
    public HostRoute Match { get; init; } = HostRoute.Any;

    /// <summary>Certificates (the first is the default when no SNI name matches); empty: plain HTTP.</summary>
    public ImmutableArray<TlsFilesConfig> Tls { get; init; } = [];

    /// <summary>A plain-HTTP HOST:PORT answering every request with a 308 to https on `listen:`; null for none.</summary>
    public string? Redirect { get; init; }

    /// <summary>`backend: h2c` speaks HTTP/2 without TLS to the instances; HTTP/1.1 otherwise.</summary>
    public bool BackendH2c { get; init; }

    /// <summary>Timeouts, limits and trusted proxies; unset values take the edge's defaults (docs/edge.md).</summary>
    public EdgeLimitsConfig Limits { get; init; } = new();
}

/// <summary>The `edge:` mapping: each value null when not given (the edge's default applies).</summary>
public sealed record EdgeLimitsConfig
{
    public TimeSpan? KeepAliveTimeout { get; init; }

    public TimeSpan? RequestHeadersTimeout { get; init; }

    public TimeSpan? RequestBodyTimeout { get; init; }

    public TimeSpan? ResponseWriteTimeout { get; init; }

    public int? MaxRequestLine { get; init; }

    public int? MaxRequestHeaders { get; init; }

    public int? MaxHeaderCount { get; init; }

    /// <summary>Bytes; with <see cref="UnlimitedRequestBody"/> false and this null, the default applies.</summary>
    public long? MaxRequestBody { get; init; }

    /// <summary>`max-request-body: none`.</summary>
    public bool UnlimitedRequestBody { get; init; }

    /// <summary>CIDR ranges (or single addresses) whose forwarding headers are kept; null: the default (none).</summary>
    public ImmutableArray<string>? TrustedProxies { get; init; }
}
