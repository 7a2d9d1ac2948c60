using System.Text;
using Catalytic.Runner.Processes;

namespace Catalytic.Runner.Tests.Processes;

public sealed class LineSplitterTests
{
    /// <summary>What StreamReader.ReadLine makes of the same bytes: the behaviour the splitter must keep.</summary>
    private static List<string> ReadLines(byte[] bytes)
    {
        var lines = new List<string>();
        using var reader = new StreamReader(new MemoryStream(bytes), new UTF8Encoding(false), detectEncodingFromByteOrderMarks: true);
        while (reader.ReadLine() is { } line)
        {
            lines.Add(line);
        }

        return lines;
    }

    private static List<string> Split(byte[] bytes, int chunk)
    {
        var lines = new List<string>();
        var splitter = new LineSplitter(lines.Add);
        for (var i = 0; i < bytes.Length; i += chunk)
        {
            splitter.Feed(bytes.AsSpan(i, Math.Min(chunk, bytes.Length - i)));
        }

        splitter.Finish();
        return lines;
    }

    public static TheoryData<string> Inputs => new()
    {
        "",
        "one",
        "one\ntwo\n",
        "one\r\ntwo\r\nthree",
        "cr\rprogress\r100%\n",
        "empty\n\n\nlines\n",
        "\r\n\r\n",
        "\n",
        "ends with cr\r",
        "\uFEFFbom then text\n",
        "ünïcödé ✓ 𝄞 split across reads\n",
        "a\r\r\nb",
    };

    [Theory]
    [MemberData(nameof(Inputs))]
    public void Feed_AnyChunking_GivesTheLinesStreamReaderGives(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var expected = ReadLines(bytes);
        foreach (var chunk in new[] { 1, 2, 3, 7, 4096 })
        {
            Assert.Equal(expected, Split(bytes, chunk));
        }
    }

    [Fact]
    public void Feed_InvalidUtf8_IsReplacedNotDropped()
    {
        byte[] bytes = [(byte)'a', 0xFF, (byte)'b', (byte)'\n'];
        Assert.Equal(ReadLines(bytes), Split(bytes, 1));
        Assert.Equal("a\uFFFDb", Split(bytes, 4).Single());
    }
}
