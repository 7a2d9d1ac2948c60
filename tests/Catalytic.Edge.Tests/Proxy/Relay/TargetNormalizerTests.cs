using System.Text;
using Catalytic.Edge.Proxy;
using Catalytic.Edge.Proxy.Relay;

namespace Catalytic.Edge.Tests.Proxy.Relay;

/// <summary>The request target as the relay forwards it (RFC 3986 §5.2.4, §6.2.2.2), and the head scanner's limits.</summary>
public sealed class TargetNormalizerTests
{
    [Theory]
    [InlineData("/", "/")]
    [InlineData("/a/b", "/a/b")]
    [InlineData("/..", "/")]
    [InlineData("/../../a", "/a")]
    [InlineData("/a/..", "/")]
    [InlineData("/a/../", "/")]
    [InlineData("/a/.", "/a/")]
    [InlineData("/a/./b/", "/a/b/")]
    [InlineData("//a/../b", "//b")]
    [InlineData("/%2e%2E/x", "/x")]
    [InlineData("/a%2Eb", "/a.b")]
    [InlineData("/%41%20b", "/A%20b")]
    [InlineData("/a/..?q=/../x", "/?q=/../x")]
    public void Normalize_RemovesDotSegmentsAndDecodesUnreserved(string target, string expected)
    {
        var destination = new byte[target.Length + 1];

        var length = TargetNormalizer.Normalize(Encoding.ASCII.GetBytes(target), destination);

        Assert.Equal(expected, Encoding.ASCII.GetString(destination, 0, length));
    }

    [Theory]
    [InlineData("/a%2fb")]
    [InlineData("/a%5Cb")]
    [InlineData("/a\\b")]
    [InlineData("/a%00")]
    [InlineData("/a%2")]
    [InlineData("/a%g0")]
    [InlineData("a/b")]
    public void Normalize_RefusesWhatABackendCouldReadAsAnotherPath(string target)
    {
        Assert.Equal(-1, TargetNormalizer.Normalize(Encoding.ASCII.GetBytes(target), new byte[target.Length + 1]));
    }

    [Fact]
    public void HeadScanner_ResumesWhereItStopped_AndFindsTheSameEnd()
    {
        var head = Encoding.ASCII.GetBytes("\r\nGET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n\r\nrest");
        var limits = new EdgeListenerOptions();
        var scanner = default(HeadScanner);

        for (var n = 1; n < head.Length - 4; n++)
        {
            Assert.Equal(HeadScanner.NeedMore, scanner.Scan(head.AsSpan(0, n), limits));
        }

        Assert.Equal(head.Length - 4 - 2, scanner.Scan(head, limits));
        Assert.Equal(2, scanner.Skipped);
    }

    [Theory]
    [InlineData("GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa HTTP/1.1", 414)]
    [InlineData("GET / HTTP/1.1\r\nX: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 431)]
    [InlineData("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n", 431)]
    [InlineData("GET / HTTP/1.1\nHost: a", 400)]
    public void HeadScanner_RefusesOverTheLimitsOrABareLf_BeforeTheHeadEnds(string partial, int status)
    {
        var limits = new EdgeListenerOptions { MaxRequestLineSize = 64, MaxRequestHeadersTotalSize = 64, MaxRequestHeaderCount = 2 };
        var scanner = default(HeadScanner);

        Assert.Equal(HeadScanner.Refused, scanner.Scan(Encoding.ASCII.GetBytes(partial), limits));
        Assert.Equal(status, scanner.Status);
    }
}
