using System.Text;
using Catalytic.Delivery.Targets;

namespace Catalytic.Delivery.Tests.Targets;

/// <summary>The masking filter on its own: per line, across reads, at end of input, on lines longer than its buffer.</summary>
public sealed class LogMaskerTests
{
    private static readonly IReadOnlyList<byte[]> Secrets = LogMasker.Patterns(LogMasker.Encode(["s3cret-one", "ab", "line-a\nline-b"]));

    [Fact]
    public void Run_SecretSplitAcrossReadsOfOneLine_IsMaskedWhole()
    {
        var output = Mask(["x s3c", "ret-o", "ne y\nsecond s3cret-one\nlast s3cret-"]);
        Assert.Equal("x *** y\nsecond ***\nlast s3cret-", output);
    }

    [Fact]
    public void Run_CompleteLines_AreWrittenAtOnceAndThePartialOneAtEndOfInput()
    {
        var input = new ChunkedStream(["one s3cret-one\ntwo", " s3cret-one"]);
        var writes = new List<string>();
        LogMasker.Run(input, new RecordingStream(writes), Secrets);
        Assert.Equal(["one ***\n", "two ***"], writes);
    }

    [Fact]
    public void Patterns_ShortAndMultiLineValues_MaskEachLineOfTwoOrMoreCharactersLeavingShortOnes()
    {
        Assert.Equal("ab *** ***\n", Mask(["ab line-a line-b\n"]));
        Assert.Equal(["s3cret-one", "line-a", "line-b"], Secrets.Select(b => Encoding.UTF8.GetString(b)));
    }

    [Fact]
    public void Run_LineLongerThanTheLimit_IsWrittenInPartsWithASecretAcrossTheCutStillMasked()
    {
        var filler = new string('x', LogMasker.MaxLine - 3);
        var output = Mask([filler + "s3c", "ret-one", new string('y', LogMasker.MaxLine + 10), "\n"]);
        Assert.Equal(filler + "***" + new string('y', LogMasker.MaxLine + 10) + "\n", output);
    }

    [Fact]
    public void Run_InvalidUtf8_IsCopiedByteForByte()
    {
        byte[] bytes = [0xff, 0xfe, (byte)'\n', 0xc3];
        using var output = new MemoryStream();
        LogMasker.Run(new MemoryStream(bytes), output, Secrets);
        Assert.Equal(bytes, output.ToArray());
    }

    private static string Mask(IReadOnlyList<string> reads)
    {
        using var output = new MemoryStream();
        LogMasker.Run(new ChunkedStream(reads), output, Secrets);
        return Encoding.UTF8.GetString(output.ToArray());
    }

    /// <summary>Returns each string in its own reads (several when it is longer than the buffer), as a pipe does for separate writes of the app.</summary>
    private sealed class ChunkedStream(IReadOnlyList<string> reads) : Stream
    {
        private int _next;
        private byte[] _current = [];
        private int _at;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_at == _current.Length)
            {
                if (_next == reads.Count)
                {
                    return 0;
                }

                _current = Encoding.UTF8.GetBytes(reads[_next++]);
                _at = 0;
            }

            var n = Math.Min(count, _current.Length - _at);
            _current.AsSpan(_at, n).CopyTo(buffer.AsSpan(offset));
            _at += n;
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>Records each write as one string.</summary>
    private sealed class RecordingStream(List<string> writes) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => writes.Add(Encoding.UTF8.GetString(buffer, offset, count));
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
