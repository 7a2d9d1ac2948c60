using Catalytic.Delivery.Config;

namespace Catalytic.Delivery.Tests.Config;

/// <summary>catalytic.yml's edge keys: hosts, path, strip-path, tls, redirect, backend and `edge:` limits, with errors at file:line:column.</summary>
public sealed class EdgeConfigParserTests
{
    [Fact]
    public void Parse_EdgeKeys_AtAppAndEnvironmentLevel_AreRead_EnvironmentWinning()
    {
        var yaml = """
            apps:
              shop:
                run: ./server
                tls: { cert: certs/shop.pem, key: certs/shop.key }
                edge:
                  keep-alive-timeout: 20s
                  max-request-body: 10MB
                  trusted-proxies: [10.0.0.0/8, 192.168.1.7]
                environments:
                  production:
                    listen: 0.0.0.0:8443
                    hosts: [shop.example.com, "*.shop.example.com"]
                    redirect: 0.0.0.0:8080
                    edge: &shared
                      request-headers-timeout: 5s
                      max-request-line: 4KiB
                      max-request-headers: 16KiB
                      max-header-count: 50
                  api:
                    listen: 0.0.0.0:8443
                    hosts: shop.example.com
                    path: /api
                    strip-path: true
                    backend: h2c
                    redirect: 0.0.0.0:8080
                    edge: *shared # one address, one set of limits
                  staging:
                    listen: 127.0.0.1:9000
                    tls:
                      - { cert: a.pem, key: a.key }
                      - { cert: b.pem, key: b.key }
                    edge: { max-request-body: none, response-write-timeout: 1m, request-body-timeout: 3s }
            """;

        var result = DeliveryConfigParser.Parse(yaml);

        Assert.True(result.Ok, string.Join("\n", result.Errors));
        var app = result.Config!.Apps.Single();
        var production = app.FindEnvironment("production")!.Edge;
        Assert.Equal(["shop.example.com", "*.shop.example.com"], production.Match.Hosts);
        Assert.Equal("/", production.Match.PathPrefix);
        Assert.Equal([new TlsFilesConfig("certs/shop.pem", "certs/shop.key")], production.Tls);
        Assert.Equal("0.0.0.0:8080", production.Redirect);
        Assert.False(production.BackendH2c);
        Assert.Equal(TimeSpan.FromSeconds(20), production.Limits.KeepAliveTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), production.Limits.RequestHeadersTimeout);
        Assert.Equal(4096, production.Limits.MaxRequestLine);
        Assert.Equal(16384, production.Limits.MaxRequestHeaders);
        Assert.Equal(50, production.Limits.MaxHeaderCount);
        Assert.Equal(10_000_000, production.Limits.MaxRequestBody);
        Assert.Equal(["10.0.0.0/8", "192.168.1.7"], production.Limits.TrustedProxies!.Value);

        var api = app.FindEnvironment("api")!.Edge;
        Assert.Equal(["shop.example.com"], api.Match.Hosts);
        Assert.Equal("/api", api.Match.PathPrefix);
        Assert.True(api.Match.StripPrefix);
        Assert.True(api.BackendH2c);

        var staging = app.FindEnvironment("staging")!.Edge;
        Assert.True(staging.Match.Hosts.IsEmpty);
        Assert.Equal(2, staging.Tls.Length);
        Assert.True(staging.Limits.UnlimitedRequestBody);
        Assert.Null(staging.Limits.MaxRequestBody);
        Assert.Equal(TimeSpan.FromMinutes(1), staging.Limits.ResponseWriteTimeout);
        Assert.Equal(TimeSpan.FromSeconds(20), staging.Limits.KeepAliveTimeout);
        Assert.Null(staging.Limits.RequestHeadersTimeout);
    }

    [Fact]
    public void Parse_NoEdgeKeys_GivesEveryRequestPlainHttpAndTheDefaults()
    {
        var result = DeliveryConfigParser.Parse("""
            apps:
              web: { run: x, environments: { production: { listen: "127.0.0.1:9000" } } }
            """);

        Assert.True(result.Ok, string.Join("\n", result.Errors));
        Assert.Equal(new EdgeConfig(), result.Config!.Apps[0].Environments[0].Edge);
    }

    [Fact]
    public void Parse_BadEdgeValues_AreErrorsAtTheirPosition()
    {
        var yaml = """
            apps:
              shop:
                run: x
                environments:
                  production:
                    listen: 0.0.0.0:8443
                    hosts: [Shop.Example.com, "shop.example.com:443", "*", ok.example.com]
                    path: api/
                    strip-path: maybe
                    tls: { cert: a.pem }
                    redirect: nowhere
                    backend: http3
                    edge:
                      keep-alive-timeout: 0s
                      max-request-line: 12
                      max-request-body: lots
                      max-header-count: 0
                      trusted-proxies: [10.0.0.0/33, everyone]
                      keepalive: 1s
                  staging:
                    listen: 127.0.0.1:9000
                    redirect: 127.0.0.1:9001
            """;

        var lines = DeliveryConfigParser.Parse(yaml).Errors.Select(e => e.ToString()).ToList();

        string[] expected =
        [
            "catalytic.yml:7:17: `hosts:` 'Shop.Example.com' must be a lower-case host name",
            "catalytic.yml:7:35: `hosts:` 'shop.example.com:443' must be",
            "catalytic.yml:7:59: `hosts:` '*' must be",
            "catalytic.yml:8:15: `path:` 'api/' must start with /",
            "catalytic.yml:9:21: `strip-path:` 'maybe' must be true or false",
            "catalytic.yml:10:14: a `tls:` entry needs both `cert:`",
            "catalytic.yml:11:19: `redirect:` 'nowhere' must be HOST:PORT",
            "catalytic.yml:12:18: `backend:` 'http3' must be http1.1 or h2c",
            "catalytic.yml:14:31: `keep-alive-timeout:` '0s' must be a positive duration",
            "catalytic.yml:15:29: `max-request-line:` '12' must be a size from 64",
            "catalytic.yml:16:29: `max-request-body:` 'lots' must be a size such as 10MB, or none",
            "catalytic.yml:17:29: `max-header-count:` '0' must be a whole number from 1",
            "catalytic.yml:18:29: `trusted-proxies:` '10.0.0.0/33' must be an IP address or a CIDR range",
            "catalytic.yml:18:42: `trusted-proxies:` 'everyone' must be",
            "catalytic.yml:19:11: unknown key 'keepalive'",
            "catalytic.yml:22:19: environment 'staging': `redirect:` sends plain HTTP to https, so it needs `tls:`",
        ];
        foreach (var line in expected)
        {
            Assert.True(lines.Any(l => l.StartsWith(line, StringComparison.Ordinal)), line + " not in:\n" + string.Join("\n", lines));
        }

        Assert.Equal(expected.Length, lines.Count);
    }

    [Fact]
    public void Parse_EnvironmentsSharingAListenAddress_MustTellTheirRequestsApart_AndAgreeOnTheAddress()
    {
        var yaml = """
            apps:
              a:
                run: x
                environments:
                  one: { listen: "0.0.0.0:443", hosts: [a.example.com], tls: { cert: a.pem, key: a.key } }
                  two: { listen: "0.0.0.0:443", hosts: [a.example.com, b.example.com], tls: { cert: a.pem, key: a.key } }
                  three: { listen: "0.0.0.0:443", hosts: [c.example.com], tls: { cert: c.pem, key: c.key } }
                  four: { listen: "0.0.0.0:443", hosts: [a.example.com], path: /api, tls: { cert: a.pem, key: a.key }, edge: { max-header-count: 5 } }
                  five: { listen: "0.0.0.0:443", hosts: [d.example.com], tls: { cert: a.pem, key: a.key } }
            """;

        var lines = DeliveryConfigParser.Parse(yaml).Errors.Select(e => e.ToString()).ToList();

        Assert.Equal(
        [
            "catalytic.yml:6:22: `listen:` 0.0.0.0:443 is already used by a/one, and both take a.example.com under /: give them different `hosts:` or `path:`",
            "catalytic.yml:7:24: `listen:` 0.0.0.0:443 is shared with a/one, whose `tls:` differs: environments on one address share its certificates (list them all on each)",
            "catalytic.yml:8:23: `listen:` 0.0.0.0:443 is shared with a/one, whose `edge:` settings differ: one address has one set (a/four)",
        ], lines);
    }

    [Theory]
    [InlineData("100", 100)]
    [InlineData("8KiB", 8192)]
    [InlineData("8 kb", 8000)]
    [InlineData("30MB", 30_000_000)]
    [InlineData("1GiB", 1L << 30)]
    public void TryParseSize_KnownUnits_Parse(string text, long bytes)
    {
        Assert.True(DeliveryConfigParser.TryParseSize(text, out var parsed));
        Assert.Equal(bytes, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("KB")]
    [InlineData("-5")]
    [InlineData("1.5MB")]
    [InlineData("5 parsecs")]
    [InlineData("99999999999999999999")]
    [InlineData("9999999999999GiB")]
    public void TryParseSize_Garbage_IsRefused(string text) => Assert.False(DeliveryConfigParser.TryParseSize(text, out _));
}
