using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using Catalytic.Delivery.Routing;
using Catalytic.Platform.Yaml;

namespace Catalytic.Delivery.Config;

/// <summary>
/// The edge's keys of catalytic.yml (hosts, path, strip-path, tls, redirect, backend and the `edge:` limits), allowed
/// at app and environment level like the others (AppKeys, EnvironmentKeys name them).
/// </summary>
public static partial class DeliveryConfigParser
{
    private static readonly string[] EdgeLimitKeys =
    [
        "keep-alive-timeout", "request-headers-timeout", "request-body-timeout", "response-write-timeout",
        "max-request-line", "max-request-headers", "max-header-count", "max-request-body", "trusted-proxies",
    ];

    /// <summary>Longest path prefix (characters), as the edge allows.</summary>
    private const int MaxPathPrefix = 1024;

    /// <summary>Reads the edge's keys of an app or environment mapping over <paramref name="edge"/> (the app's, for an environment).</summary>
    private static EdgeConfig ReadEdge(YamlReader r, EdgeConfig edge, YamlMapping map)
    {
        var match = edge.Match;
        if (r.Get(map, "hosts") is { } hostsNode)
        {
            var hosts = ImmutableArray.CreateBuilder<string>();
            foreach (var item in hostsNode is YamlSequence seq ? seq.Items : [hostsNode])
            {
                if (item is YamlScalar { Value: { Length: > 0 } host } && HostRoute.IsValidHost(host))
                {
                    hosts.Add(host);
                }
                else
                {
                    r.Error(item, $"`hosts:` '{(item as YamlScalar)?.Value}' must be a lower-case host name or *.domain (no port)");
                }
            }

            match = match with { Hosts = hosts.ToImmutable() };
        }

        if (r.Get(map, "path") is { } pathNode && r.String(map, "path") is { } path)
        {
            if (!HostRoute.IsValidPrefix(path) || path.Length > MaxPathPrefix)
            {
                r.Error(pathNode, $"`path:` '{path}' must start with /, without a trailing /, '.' or '..' segment, '%', '?' or '#'");
            }
            else
            {
                match = match with { PathPrefix = path };
            }
        }

        if (r.Bool(map, "strip-path") is { } strip)
        {
            match = match with { StripPrefix = strip };
        }

        edge = edge with { Match = match };
        if (r.Get(map, "tls") is { } tlsNode)
        {
            edge = edge with { Tls = ReadTls(r, tlsNode) };
        }

        if (r.Get(map, "redirect") is { } redirectNode && r.String(map, "redirect") is { } redirect)
        {
            if (!TryParseListen(redirect, out var host, out _) || !IsAddress(host))
            {
                r.Error(redirectNode, $"`redirect:` '{redirect}' must be HOST:PORT (an IP address or localhost) of the plain-HTTP address that redirects to https");
            }
            else
            {
                edge = edge with { Redirect = redirect };
            }
        }

        if (r.Get(map, "backend") is { } backendNode && r.String(map, "backend") is { } backend)
        {
            switch (backend)
            {
                case "h2c":
                    edge = edge with { BackendH2c = true };
                    break;
                case "http1.1" or "http/1.1":
                    edge = edge with { BackendH2c = false };
                    break;
                default:
                    r.Error(backendNode, $"`backend:` '{backend}' must be http1.1 or h2c (HTTP/2 without TLS)");
                    break;
            }
        }

        if (r.Map(map, "edge") is { } limits)
        {
            edge = edge with { Limits = ReadLimits(r, limits, edge.Limits) };
        }

        return edge;
    }

    private static ImmutableArray<TlsFilesConfig> ReadTls(YamlReader r, YamlNode node)
    {
        var files = ImmutableArray.CreateBuilder<TlsFilesConfig>();
        IReadOnlyList<YamlNode>? items = node switch
        {
            YamlMapping one => [one],
            YamlSequence { Items.Length: > 0 } many => many.Items,
            _ => null,
        };
        if (items is null)
        {
            r.Error(node, "`tls:` must be {cert: FILE, key: FILE} or a list of them (PEM files; the first is the default certificate)");
            return [];
        }

        foreach (var item in items)
        {
            if (item is not YamlMapping m)
            {
                r.Error(item, "a `tls:` entry must be {cert: FILE, key: FILE}");
                continue;
            }

            r.CheckKeys(m, ["cert", "key"]);
            var cert = r.String(m, "cert");
            var key = r.String(m, "key");
            if (cert is null || key is null)
            {
                r.Error(m, "a `tls:` entry needs both `cert:` (PEM certificate, with its chain) and `key:` (PEM private key)");
                continue;
            }

            files.Add(new TlsFilesConfig(cert, key));
        }

        return files.ToImmutable();
    }

    private static EdgeLimitsConfig ReadLimits(YamlReader r, YamlMapping map, EdgeLimitsConfig limits)
    {
        r.CheckKeys(map, EdgeLimitKeys);
        limits = limits with
        {
            KeepAliveTimeout = r.Duration(map, "keep-alive-timeout", positive: true) ?? limits.KeepAliveTimeout,
            RequestHeadersTimeout = r.Duration(map, "request-headers-timeout", positive: true) ?? limits.RequestHeadersTimeout,
            RequestBodyTimeout = r.Duration(map, "request-body-timeout", positive: true) ?? limits.RequestBodyTimeout,
            ResponseWriteTimeout = r.Duration(map, "response-write-timeout", positive: true) ?? limits.ResponseWriteTimeout,
            MaxRequestLine = Size(r, map, "max-request-line", 64, 1 << 20) is { } line ? (int)line : limits.MaxRequestLine,
            MaxRequestHeaders = Size(r, map, "max-request-headers", 64, 1 << 24) is { } headers ? (int)headers : limits.MaxRequestHeaders,
            MaxHeaderCount = r.Int(map, "max-header-count", 1, 10_000) ?? limits.MaxHeaderCount,
        };
        if (r.Get(map, "max-request-body") is YamlScalar { Value: "none" })
        {
            limits = limits with { MaxRequestBody = null, UnlimitedRequestBody = true };
        }
        else if (Size(r, map, "max-request-body", 0, long.MaxValue) is { } body)
        {
            limits = limits with { MaxRequestBody = body, UnlimitedRequestBody = false };
        }

        if (r.Get(map, "trusted-proxies") is { } proxiesNode)
        {
            var proxies = ImmutableArray.CreateBuilder<string>();
            foreach (var item in proxiesNode is YamlSequence seq ? seq.Items : [proxiesNode])
            {
                if (item is YamlScalar { Value: { Length: > 0 } text } && TryParseNetwork(text, out _))
                {
                    proxies.Add(text);
                }
                else
                {
                    r.Error(item, $"`trusted-proxies:` '{(item as YamlScalar)?.Value}' must be an IP address or a CIDR range such as 10.0.0.0/8");
                }
            }

            limits = limits with { TrustedProxies = proxies.ToImmutable() };
        }

        return limits;
    }

    /// <summary>Parses an address or CIDR range (an address alone is a /32 or /128).</summary>
    public static bool TryParseNetwork(string text, out IPNetwork network)
    {
        if (IPNetwork.TryParse(text, out network))
        {
            return true;
        }

        if (IPAddress.TryParse(text, out var address))
        {
            network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }

        return false;
    }

    /// <summary>Parses a size: bytes, or a number with k/KB/KiB, m/MB/MiB, g/GB/GiB (KB = 1000, KiB = 1024).</summary>
    public static bool TryParseSize(string text, out long bytes)
    {
        bytes = 0;
        var s = text.Trim();
        var digits = 0;
        while (digits < s.Length && char.IsAsciiDigit(s[digits]))
        {
            digits++;
        }

        if (digits == 0 || !long.TryParse(s.AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return false;
        }

        long unit = s[digits..].Trim().ToLowerInvariant() switch
        {
            "" or "b" => 1,
            "k" or "kb" => 1000,
            "kib" => 1024,
            "m" or "mb" => 1000_000,
            "mib" => 1024 * 1024,
            "g" or "gb" => 1000_000_000,
            "gib" => 1024L * 1024 * 1024,
            _ => 0,
        };
        if (unit == 0 || n > long.MaxValue / unit)
        {
            return false;
        }

        bytes = n * unit;
        return true;
    }

    private static long? Size(YamlReader r, YamlMapping map, string key, long min, long max)
    {
        var s = r.String(map, key);
        if (s is null)
        {
            return null;
        }

        if (TryParseSize(s, out var bytes) && bytes >= min && bytes <= max)
        {
            return bytes;
        }

        r.Error(r.Get(map, key), max == long.MaxValue
            ? $"`{key}:` '{s}' must be a size such as 10MB, or none"
            : $"`{key}:` '{s}' must be a size from {min} to {max} bytes, such as 8KiB or 30MB");
        return null;
    }

    private static bool IsAddress(string host) => host == "localhost" || IPAddress.TryParse(host, out _);

    /// <summary>
    /// Environments sharing a `listen:` address: their hosts and paths must tell their requests apart, and they must
    /// agree on what belongs to the address (TLS, redirect, `edge:` limits). Reports at the later one's `listen:`.
    /// </summary>
    private static void CheckSharedListen(YamlReader r, YamlNode at, string listen, string owner, EnvironmentConfig env, string otherOwner, EnvironmentConfig other)
    {
        var a = env.Edge;
        var b = other.Edge;
        if (a.Match.ConflictWith(b.Match) is { } host)
        {
            r.Error(at, $"`listen:` {listen} is already used by {otherOwner}, and both take {host} under {a.Match.PathPrefix}: give them different `hosts:` or `path:`");
            return;
        }

        if (!a.Tls.SequenceEqual(b.Tls))
        {
            r.Error(at, $"`listen:` {listen} is shared with {otherOwner}, whose `tls:` differs: environments on one address share its certificates (list them all on each)");
        }

        if (a.Redirect != b.Redirect)
        {
            r.Error(at, $"`listen:` {listen} is shared with {otherOwner}, whose `redirect:` differs");
        }

        if (!SameLimits(a.Limits, b.Limits))
        {
            r.Error(at, $"`listen:` {listen} is shared with {otherOwner}, whose `edge:` settings differ: one address has one set ({owner})");
        }
    }

    private static bool SameLimits(EdgeLimitsConfig a, EdgeLimitsConfig b) =>
        a with { TrustedProxies = null } == b with { TrustedProxies = null }
        && (a.TrustedProxies ?? []).SequenceEqual(b.TrustedProxies ?? []) && a.TrustedProxies.HasValue == b.TrustedProxies.HasValue;
}
