using System.Text;
using Catalytic.Edge.Proxy.Relay;

namespace Catalytic.Edge.Tests.Proxy.Relay;

public sealed class ChunkedScannerTests
{
    private const string Body = "5\r\nhello\r\na;ext=1\r\n0123456789\r\n0\r\nTrailer-One: x\r\n\r\n";

    [Fact]
    public void Scan_WholeBodyWithNextMessageBehind_EndsExactlyAfterTheTrailers()
    {
        var bytes = Encoding.ASCII.GetBytes(Body + "HTTP/1.1 200 OK\r\n");
        var scanner = default(ChunkedScanner);

        Assert.Equal(Body.Length, scanner.Scan(bytes));
        Assert.True(scanner.Ended);
    }

    [Fact]
    public void Scan_BodySplitAtEveryPosition_FindsTheSameEnd()
    {
        var bytes = Encoding.ASCII.GetBytes(Body);
        for (var split = 0; split <= bytes.Length; split++)
        {
            var scanner = default(ChunkedScanner);
            var first = scanner.Scan(bytes.AsSpan(0, split));
            if (split < bytes.Length)
            {
                Assert.Equal(ChunkedScanner.NotEnded, first);
                Assert.Equal(bytes.Length - split, scanner.Scan(bytes.AsSpan(split)));
            }
            else
            {
                Assert.Equal(bytes.Length, first);
            }
        }
    }

    [Theory]
    [InlineData("x\r\n")]
    [InlineData("5\r\nhelloXY")]
    [InlineData("5\nhello\r\n")]
    [InlineData("1234567890abcdef0\r\n")]
    [InlineData("\r\n")]
    public void Scan_BrokenFraming_IsInvalid(string text)
    {
        var scanner = default(ChunkedScanner);

        Assert.Equal(ChunkedScanner.Invalid, scanner.Scan(Encoding.ASCII.GetBytes(text)));
    }
}
