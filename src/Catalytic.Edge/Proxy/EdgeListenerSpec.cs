using System.Collections.Immutable;
using System.Net;
using Catalytic.Delivery.Routing;

namespace Catalytic.Edge.Proxy;

/// <summary>How the edge speaks to an environment's instances.</summary>
public enum EdgeBackendProtocol
{
    /// <summary>HTTP/1.1 (the relay's keep-alive connections; YARP's for what takes Kestrel's path). The default.</summary>
    Http11,

    /// <summary>HTTP/2 without TLS, with prior knowledge (h2c): every request takes YARP, multiplexed on few connections.</summary>
    H2c,
}

/// <summary>One environment served by a listener, and which of the listener's requests are its.</summary>
/// <param name="App">The application.</param>
/// <param name="Environment">The environment; its route table (<see cref="Routing.EdgeRouter.Apply"/>) says where its requests go.</param>
public sealed record EdgeRoute(string App, string Environment)
{
    /// <summary>Longest path prefix a route may have (characters).</summary>
    public const int MaxPathPrefix = 1024;

    /// <summary>Hosts and path prefix of the environment's requests; every request by default.</summary>
    public HostRoute Match { get; init; } = HostRoute.Any;

    /// <summary>How requests reach the instances.</summary>
    public EdgeBackendProtocol BackendProtocol { get; init; }
}

/// <summary>A certificate and its private key, as PEM files; reloaded when either changes.</summary>
public sealed record EdgeCertificateFiles(string CertificatePath, string KeyPath);

/// <summary>
/// One listening address of the edge: the environments it serves (chosen by Host and path), its client-side options,
/// its certificates (TLS, chosen by SNI) and an optional plain-HTTP address that redirects to it.
/// </summary>
/// <param name="EndPoint">Where it listens (port 0 picks a free port).</param>
/// <param name="Routes">The environments it serves; they must not claim the same requests.</param>
public sealed record EdgeListenerSpec(IPEndPoint EndPoint, ImmutableArray<EdgeRoute> Routes)
{
    /// <summary>Client-side timeouts, limits and trusted proxies; <see cref="EdgeHostOptions.Listener"/> when null.</summary>
    public EdgeListenerOptions? Options { get; init; }

    /// <summary>Certificates for TLS (the first is the default when no SNI name matches); none: plain HTTP.</summary>
    public ImmutableArray<EdgeCertificateFiles> Certificates { get; init; } = [];

    /// <summary>A plain-HTTP address answering every request with a 308 to the same URL over https on this listener (TLS only).</summary>
    public IPEndPoint? RedirectFrom { get; init; }

    /// <summary>True when the listener terminates TLS.</summary>
    public bool IsTls => !Certificates.IsDefaultOrEmpty;

    /// <summary>Every problem of the spec, empty when it can start.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Routes.IsDefaultOrEmpty)
        {
            problems.Add("a listener needs at least one route");
            return problems;
        }

        foreach (var route in Routes)
        {
            if (string.IsNullOrWhiteSpace(route.App) || string.IsNullOrWhiteSpace(route.Environment))
            {
                problems.Add("a route needs an app and an environment");
            }

            if (route.Match.Hosts.IsDefault || route.Match.Hosts.Any(h => !HostRoute.IsValidHost(h)))
            {
                problems.Add($"{route.App}/{route.Environment}: hosts must be lower-case names or *.wildcards");
            }

            if (!HostRoute.IsValidPrefix(route.Match.PathPrefix) || route.Match.PathPrefix.Length > EdgeRoute.MaxPathPrefix)
            {
                problems.Add($"{route.App}/{route.Environment}: '{route.Match.PathPrefix}' is not a path prefix");
            }
        }

        if (Routes.Select(r => (r.App, r.Environment)).Distinct().Count() != Routes.Length)
        {
            problems.Add("an environment is named twice");
        }

        problems.AddRange(Routing.SiteRoutes.Conflicts(Routes));
        if (RedirectFrom is not null && !IsTls)
        {
            problems.Add("a redirect to https needs certificates");
        }

        return problems;
    }
}
