using System.Collections.Immutable;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using Catalytic.Delivery.Routing;
using Catalytic.Edge.Proxy;
using Catalytic.Edge.Routing;
using Catalytic.Edge.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Catalytic.Edge.Tests.Tls;

/// <summary>
/// A TLS listener with certificates the test writes as PEM files: chosen by SNI, reloaded when their files change
/// (on the host's clock, here a fake one) without dropping the connections already open, an HTTP->HTTPS redirect,
/// HTTP/1.1 (the relay) and HTTP/2 (Kestrel and YARP) over the same port, and the expiry metric.
/// </summary>
public sealed class TlsListenerTests
{
    private static readonly EdgeHostOptions Checked = new() { CertificateCheckInterval = TimeSpan.FromSeconds(10) };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Handshake_GetsTheCertificateSniAsksFor_AndTheRequestIsServed(bool relay)
    {
        using var certificates = new TestCertificates();
        var main = certificates.Write("main", 30, "shop.example.com");
        var wildcard = certificates.Write("wild", 30, "*.tenants.example.com");
        var api = certificates.Write("api", 30, "api.example.com", "api2.example.com");
        await using var site = await SiteAsync(relay, [main, wildcard, api]);

        foreach (var (sni, expected) in new[]
        {
            ("shop.example.com", "shop.example.com"),
            ("API2.example.com", "api.example.com"),
            ("acme.tenants.example.com", "*.tenants.example.com"),
            ("a.b.tenants.example.com", "shop.example.com"), // a wildcard covers one label only: the default
            ("other.org", "shop.example.com"),
        })
        {
            await using var ssl = await TestCertificates.ConnectAsync(site.Binding.EndPoint, sni, Ct);
            Assert.Equal(expected, TestCertificates.Name(ssl));
            var answer = await TestCertificates.GetAsync(ssl, sni, "/", Ct);
            Assert.StartsWith("HTTP/1.1 200", answer, StringComparison.Ordinal);
            Assert.Contains("\r\nX-Backend: v1/a\r\n", answer, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ChangedCertificateFiles_AreUsedByNewHandshakes_WhileOpenConnectionsKeepWorking()
    {
        using var certificates = new TestCertificates();
        var (files, clock) = (certificates.Write("main", 10, "shop.example.com"), new FakeTimeProvider(Catalytic.Testing.Waiting.RealTime.Clock.GetUtcNow()));
        await using var site = await SiteAsync(relay: true, [files], Checked, clock);
        var (store, before) = Loaded(site);

        await using var open = await TestCertificates.ConnectAsync(site.Binding.EndPoint, "shop.example.com", Ct);
        Assert.StartsWith("HTTP/1.1 200", await TestCertificates.GetAsync(open, "shop.example.com", "/", Ct), StringComparison.Ordinal);

        certificates.Write("main", 90, "shop.example.com");
        clock.Advance(Checked.CertificateCheckInterval);
        await Eventually.TrueAsync(() => store.Reloads == 1, "the changed certificate reloaded after one check interval");
        Assert.True(store.Current[0].NotAfter > before.AddDays(60), "the reloaded certificate is the 90-day one");

        await using var fresh = await TestCertificates.ConnectAsync(site.Binding.EndPoint, "shop.example.com", Ct);
        using var freshCertificate = new System.Security.Cryptography.X509Certificates.X509Certificate2(fresh.RemoteCertificate!);
        Assert.Equal(store.Current[0].NotAfter, freshCertificate.NotAfter.ToUniversalTime());
        Assert.StartsWith("HTTP/1.1 200", await TestCertificates.GetAsync(fresh, "shop.example.com", "/", Ct), StringComparison.Ordinal);

        // The connection made before the reload was not dropped: it still has the old certificate and keeps serving.
        using var oldCertificate = new System.Security.Cryptography.X509Certificates.X509Certificate2(open.RemoteCertificate!);
        Assert.Equal(before, oldCertificate.NotAfter.ToUniversalTime());
        Assert.StartsWith("HTTP/1.1 200", await TestCertificates.GetAsync(open, "shop.example.com", "/", Ct), StringComparison.Ordinal);

        var metrics = PrometheusText.Parse(await site.Router.ExportPrometheusAsync(TestContext.Current.CancellationToken));
        Assert.Equal("gauge", metrics.Types["catalytic_edge_certificate_expiry_timestamp_seconds"]);
        var labels = $"listener=\"{site.Binding.EndPoint}\",certificate=\"{files.CertificatePath}\",subject=\"shop.example.com\"";
        Assert.Equal(store.Current[0].NotAfter.ToUnixTimeSeconds(), metrics.Value("catalytic_edge_certificate_expiry_timestamp_seconds", labels));
    }

    [Fact]
    public async Task UnusableNewFiles_KeepThePreviousCertificate_UntilTheyAreMended()
    {
        using var certificates = new TestCertificates();
        var (files, clock) = (certificates.Write("main", 10, "shop.example.com"), new FakeTimeProvider(Catalytic.Testing.Waiting.RealTime.Clock.GetUtcNow()));
        await using var site = await SiteAsync(relay: true, [files], Checked, clock);
        var (store, before) = Loaded(site);

        // Another certificate's key: the pair does not match.
        var other = certificates.Write("other", 90, "other.example.com");
        File.Copy(other.KeyPath, files.KeyPath, overwrite: true);
        site.Host.CheckCertificates();
        Assert.Equal(0, store.Reloads);
        await using (var ssl = await TestCertificates.ConnectAsync(site.Binding.EndPoint, "shop.example.com", Ct))
        {
            Assert.StartsWith("HTTP/1.1 200", await TestCertificates.GetAsync(ssl, "shop.example.com", "/", Ct), StringComparison.Ordinal);
        }

        // Half a file.
        File.WriteAllText(files.CertificatePath, "-----BEGIN CERTIFICATE-----\nMIIB");
        site.Host.CheckCertificates();
        Assert.Equal(0, store.Reloads);
        Assert.Equal(before, store.Current[0].NotAfter);

        certificates.Write("main", 90, "shop.example.com");
        site.Host.CheckCertificates();
        Assert.Equal(1, store.Reloads);
        Assert.True(store.Current[0].NotAfter > before.AddDays(60));
    }

    [Fact]
    public async Task Http2Client_NegotiatesH2ByAlpn_AndHttp11Client_TheRelay_OnOnePort()
    {
        using var certificates = new TestCertificates();
        await using var site = await SiteAsync(relay: true, [certificates.Write("main", 30, "shop.example.com")]);
        foreach (var version in new[] { HttpVersion.Version20, HttpVersion.Version11 })
        {
            using var client = TestCertificates.Client(site.Binding.EndPoint);
            using var request = new HttpRequestMessage(HttpMethod.Get, "https://shop.example.com/protocol")
            {
                Version = version,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };
            using var response = await client.SendAsync(request, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(version, response.Version);
            Assert.Equal("v1", response.Headers.GetValues("X-Catalytic-Version").Single());
            // The edge speaks HTTP/1.1 to this backend whatever the client spoke.
            Assert.Equal("HTTP/1.1", await response.Content.ReadAsStringAsync(Ct));
        }

        await Eventually.TrueAsync(() => site.Router.Read("shop", "production", "v1", EdgeTestContext.Everything).Requests == 2,
            "both requests counted in v1's metrics");
    }

    [Theory]
    [InlineData("/", "https://shop.example.com:{0}/")]
    [InlineData("/a/b?q=1&r=%2F", "https://shop.example.com:{0}/a/b?q=1&r=%2F")]
    public async Task PlainHttp_OnTheRedirectAddress_Gets308ToHttps(string target, string location)
    {
        using var certificates = new TestCertificates();
        await using var site = await SiteAsync(relay: true, [certificates.Write("main", 30, "shop.example.com")], redirect: true);
        await using var raw = await Proxy.Relay.RawHttp.ConnectAsync(site.Binding.Redirect!, Ct);
        await raw.SendAsync($"POST {target} HTTP/1.1\r\nHost: shop.example.com\r\nContent-Length: 0\r\n\r\n", Ct);
        var response = await raw.ReadAsync(Ct);
        Assert.Equal(308, response.Status);
        Assert.Equal(string.Format(System.Globalization.CultureInfo.InvariantCulture, location, site.Binding.EndPoint.Port), response.Header("Location"));
        Assert.Equal(0, site.Backend.Requests);
    }

    [Fact]
    public async Task Redirect_ForAMalformedHost_IsRefused()
    {
        using var certificates = new TestCertificates();
        await using var site = await SiteAsync(relay: true, [certificates.Write("main", 30, "shop.example.com")], redirect: true);
        await using var raw = await Proxy.Relay.RawHttp.ConnectAsync(site.Binding.Redirect!, Ct);
        await raw.SendAsync("GET / HTTP/1.1\r\nHost: evil.org/x@shop.example.com\r\n\r\n", Ct);
        var response = await raw.ReadAsync(Ct);
        Assert.Equal(400, response.Status);
        Assert.Null(response.Header("Location"));
    }

    [Fact]
    public async Task Listener_WithAMissingOrMismatchedFile_DoesNotStart_AndNamesTheFile()
    {
        using var certificates = new TestCertificates();
        var good = certificates.Write("main", 30, "shop.example.com");
        var other = certificates.Write("other", 30, "other.example.com");
        await using var host = new EdgeHost(new EdgeRouter(Catalytic.Testing.Waiting.RealTime.Clock));
        var missing = new EdgeCertificateFiles(good.CertificatePath + ".nope", good.KeyPath);
        var mismatched = new EdgeCertificateFiles(good.CertificatePath, other.KeyPath);
        foreach (var files in new[] { missing, mismatched })
        {
            var spec = new EdgeListenerSpec(new IPEndPoint(IPAddress.Loopback, 0), [new EdgeRoute("shop", "production")]) { Certificates = [good, files] };
            var e = await Assert.ThrowsAsync<InvalidDataException>(() => host.StartAsync(spec, Ct));
            Assert.Contains(files.CertificatePath, e.Message, StringComparison.Ordinal);
            Assert.Empty(host.Listeners);
        }

        var plain = new EdgeListenerSpec(new IPEndPoint(IPAddress.Loopback, 0), [new EdgeRoute("shop", "production")])
        {
            RedirectFrom = new IPEndPoint(IPAddress.Loopback, 0),
        };
        Assert.Contains("a redirect to https needs certificates", plain.Problems());
    }

    private static (Catalytic.Edge.Tls.CertificateStore Store, DateTimeOffset NotAfter) Loaded(Site site)
    {
        var store = site.Host.CertificatesOf("shop", "production")!;
        return (store, store.Current[0].NotAfter);
    }

    private static async Task<Site> SiteAsync(
        bool relay, ImmutableArray<EdgeCertificateFiles> files, EdgeHostOptions? options = null, TimeProvider? clock = null, bool redirect = false)
    {
        var router = new EdgeRouter(clock ?? Catalytic.Testing.Waiting.RealTime.Clock);
        var host = new EdgeHost(router, (options ?? new EdgeHostOptions()) with { Relay = relay });
        var backend = await TestBackend.StartAsync("v1");
        router.Apply(new RouteTable("shop", "production", [new WeightedVersion("v1", 100, [backend.Address])]));
        var spec = new EdgeListenerSpec(new IPEndPoint(IPAddress.Loopback, 0), [new EdgeRoute("shop", "production")])
        {
            Certificates = files,
            RedirectFrom = redirect ? new IPEndPoint(IPAddress.Loopback, 0) : null,
        };
        var binding = await host.StartAsync(spec, Ct);
        return new Site(router, host, binding, backend);
    }

    private sealed record Site(EdgeRouter Router, EdgeHost Host, EdgeListenerBinding Binding, TestBackend Backend) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await EdgeTestContext.StopAsync(Host, Router.TimeProvider);
            await Backend.DisposeAsync();
        }
    }
}
