using System.Net;
using Catalytic.Edge.Proxy;
using Catalytic.Edge.Tests.Support;

namespace Catalytic.Edge.Tests.Robustness;

/// <summary>
/// Limits (414, 431, 413), strict Host, target normalisation before the instance's path, hop-by-hop and Proxy-*
/// headers, and the forwarding headers with and without trusted proxies — on the relay and on Kestrel/YARP.
/// </summary>
public sealed class LimitsAndHeadersTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly EdgeListenerOptions Small = new()
    {
        MaxRequestLineSize = 256,
        MaxRequestHeadersTotalSize = 1024,
        MaxRequestHeaderCount = 10,
        MaxRequestBodySize = 1000,
    };

    public static TheoryData<bool> Paths => new() { true, false };

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task RequestLineOverTheLimit_Gets414(bool relay)
    {
        var response = await SendAsync(relay, $"GET /{new string('a', 300)} HTTP/1.1\r\nHost: a\r\n\r\n", Small);

        Assert.Equal(414, response.Status);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task HeaderSectionOverTheLimit_Gets431(bool relay)
    {
        var response = await SendAsync(relay, $"GET / HTTP/1.1\r\nHost: a\r\nX-Big: {new string('b', 1100)}\r\n\r\n", Small);

        Assert.Equal(431, response.Status);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task TooManyHeaderFields_Gets431(bool relay)
    {
        var fields = string.Concat(Enumerable.Range(0, 11).Select(i => $"X-{i}: {i}\r\n"));

        var response = await SendAsync(relay, $"GET / HTTP/1.1\r\nHost: a\r\n{fields}\r\n", Small);

        Assert.Equal(431, response.Status);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task ContentLengthOverTheBodyLimit_Gets413_BeforeAnythingReachesTheBackend(bool relay)
    {
        await using var backend = ScriptedBackend.Echoing();
        var response = await SendAsync(relay, $"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n{new string('x', 5000)}", Small, backend);

        Assert.Equal(413, response.Status);
        Assert.Empty(backend.Requests);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task ChunkedBodyGrowingPastTheLimit_Gets413(bool relay)
    {
        var chunk = new string('x', 600);
        var response = await SendAsync(relay,
            $"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n258\r\n{chunk}\r\n258\r\n{chunk}\r\n0\r\n\r\n", Small);

        Assert.Equal(413, response.Status);
    }

    [Theory]
    [InlineData(true, "GET / HTTP/1.1\r\n\r\n")]
    [InlineData(true, "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")]
    [InlineData(true, "GET / HTTP/1.1\r\nHost: a b\r\n\r\n")]
    [InlineData(true, "GET / HTTP/1.1\r\nHost: user@a\r\n\r\n")]
    [InlineData(true, "GET / HTTP/1.1\r\nHost: a:99999x\r\n\r\n")]
    [InlineData(false, "GET / HTTP/1.1\r\n\r\n")]
    [InlineData(false, "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")]
    [InlineData(false, "GET / HTTP/1.1\r\nHost: a b\r\n\r\n")]
    [InlineData(false, "GET / HTTP/1.1\r\nHost: user@a\r\n\r\n")]
    public async Task MissingRepeatedOrMalformedHost_Gets400(bool relay, string request)
    {
        await using var backend = ScriptedBackend.Echoing();
        var response = await SendAsync(relay, request, null, backend);

        Assert.Equal(400, response.Status);
        Assert.Empty(backend.Requests);
    }

    [Theory]
    [InlineData(true, "/../admin", "/app/admin")]
    [InlineData(true, "/%2e%2e/admin", "/app/admin")]
    [InlineData(true, "/%2E%2E/%2e%2E/admin?x=../y", "/app/admin?x=../y")]
    [InlineData(true, "/a/./b/../c", "/app/a/c")]
    [InlineData(true, "/a/%7euser", "/app/a/~user")]
    [InlineData(true, "http://elsewhere.example/a/../b", "/app/b")]
    [InlineData(false, "/../admin", "/app/admin")]
    [InlineData(false, "/%2e%2e/admin", "/app/admin")]
    [InlineData(false, "/a/./b/../c", "/app/a/c")]
    public async Task DotSegments_AreRemovedBeforeTheInstancePath_NeverClimbingAboveIt(bool relay, string target, string expected)
    {
        await using var backend = ScriptedBackend.Echoing("/app/");

        var response = await SendAsync(relay, $"GET {target} HTTP/1.1\r\nHost: a\r\n\r\n", null, backend);

        Assert.Equal(200, response.Status);
        Assert.Equal(expected, backend.Requests.Single().Target);
    }

    [Theory]
    [InlineData(true, "/a%2fb")]
    [InlineData(true, "/a%2Fb")]
    [InlineData(true, "/a%5cb")]
    [InlineData(true, "/a\\b")]
    [InlineData(true, "/a%00b")]
    [InlineData(true, "/a%zzb")]
    [InlineData(true, "/a#b")]
    [InlineData(false, "/a%2fb")]
    [InlineData(false, "/a%5Cb")]
    [InlineData(false, "/a%00b")]
    public async Task EncodedSlashesBackslashesAndBadEscapes_Get400(bool relay, string target)
    {
        await using var backend = ScriptedBackend.Echoing("/app/");

        var response = await SendAsync(relay, $"GET {target} HTTP/1.1\r\nHost: a\r\n\r\n", null, backend);

        Assert.Equal(400, response.Status);
        Assert.Empty(backend.Requests);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task HopByHopHeaders_AndThoseConnectionNames_AndProxyHeaders_AreNotForwarded(bool relay)
    {
        await using var backend = ScriptedBackend.Echoing();

        var response = await SendAsync(relay,
            "GET / HTTP/1.1\r\nHost: a\r\nConnection: X-Secret, keep-alive\r\nX-Secret: s3cret\r\nKeep-Alive: timeout=5\r\n" +
            "TE: trailers\r\nProxy-Authorization: Basic Zm9vOmJhcg==\r\nProxy-Connection: keep-alive\r\nProxy: http://evil\r\n" +
            "X-Kept: yes\r\n\r\n", null, backend);

        Assert.Equal(200, response.Status);
        var forwarded = backend.Requests.Single();
        Assert.Equal("yes", forwarded.Header("X-Kept"));
        foreach (var name in new[] { "X-Secret", "Keep-Alive", "TE", "Proxy-Authorization", "Proxy-Connection", "Proxy" })
        {
            Assert.False(forwarded.Has(name), $"{name} reached the backend:\n{forwarded.Head}");
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task ConnectionNamingContentLength_Gets400(bool relay)
    {
        await using var backend = ScriptedBackend.Echoing();

        var response = await SendAsync(relay, "POST / HTTP/1.1\r\nHost: a\r\nConnection: Content-Length\r\nContent-Length: 5\r\n\r\nhello", null, backend);

        Assert.Equal(400, response.Status);
        Assert.Empty(backend.Requests);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task ClientForwardingHeaders_FromAnUntrustedPeer_AreReplacedByTheEdges(bool relay)
    {
        await using var backend = ScriptedBackend.Echoing();

        await SendAsync(relay,
            "GET / HTTP/1.1\r\nHost: front.example\r\nX-Forwarded-For: 6.6.6.6\r\nX-Forwarded-Host: evil\r\nX-Forwarded-Proto: https\r\n" +
            "Forwarded: for=6.6.6.6;proto=https\r\n\r\n", null, backend);

        var forwarded = backend.Requests.Single();
        Assert.Equal("127.0.0.1", forwarded.Header("X-Forwarded-For"));
        Assert.Equal("http", forwarded.Header("X-Forwarded-Proto"));
        Assert.Equal("front.example", forwarded.Header("X-Forwarded-Host"));
        Assert.Equal("for=127.0.0.1;host=front.example;proto=http", forwarded.Header("Forwarded"));
        Assert.DoesNotContain("6.6.6.6", forwarded.Head, StringComparison.Ordinal);
        Assert.DoesNotContain("evil", forwarded.Head, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task ClientForwardingHeaders_FromATrustedProxy_AreKeptAndExtended(bool relay)
    {
        await using var backend = ScriptedBackend.Echoing();
        var trusting = new EdgeListenerOptions { TrustedProxies = [IPNetwork.Parse("127.0.0.0/8")] };

        await SendAsync(relay,
            "GET / HTTP/1.1\r\nHost: edge.internal:8080\r\nX-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Host: shop.example\r\n" +
            "X-Forwarded-Proto: https\r\nForwarded: for=203.0.113.7;proto=https\r\n\r\n", trusting, backend);

        var forwarded = backend.Requests.Single();
        Assert.Equal("203.0.113.7, 127.0.0.1", forwarded.Header("X-Forwarded-For"));
        Assert.Equal("https", forwarded.Header("X-Forwarded-Proto"));
        Assert.Equal("shop.example", forwarded.Header("X-Forwarded-Host"));
        Assert.Equal("for=203.0.113.7;proto=https, for=127.0.0.1;host=\"edge.internal:8080\";proto=http", forwarded.Header("Forwarded"));
    }

    private static async Task<Proxy.Relay.RawResponse> SendAsync(bool relay, string request, EdgeListenerOptions? listener, ScriptedBackend? backend = null)
    {
        var own = backend is null ? ScriptedBackend.Echoing() : null;
        try
        {
            await using var edge = await RobustEdge.StartAsync(relay, listener);
            edge.Route((backend ?? own)!.Address);
            return await edge.SendAsync(request);
        }
        finally
        {
            if (own is not null)
            {
                await own.DisposeAsync();
            }
        }
    }
}
