using System.Text;
using Catalytic.Platform.Secrets;

namespace Catalytic.Platform.Tests.Secrets;

/// <summary>
/// The masker on a byte stream (an instance's output on its way to its log): per line, across reads, at end of input,
/// on lines longer than its buffer, on bytes that are not UTF-8. Moved from Delivery's LogMasker tests with the code.
/// </summary>
public sealed class SecretMaskerStreamTests
{
    private static readonly SecretMasker Secrets = new(["s3cret-one", "ab", "line-a\nline-b"]);

    [Fact]
    public void Copy_SecretSplitAcrossReadsOfOneLine_IsMaskedWhole()
    {
        var output = Mask(["x s3c", "ret-o", "ne y\nsecond s3cret-one\nlast s3cret-"]);
        Assert.Equal("x *** y\nsecond ***\nlast s3cret-", output);
    }

    [Fact]
    public void Copy_CompleteLines_AreWrittenAtOnceAndThePartialOneAtEndOfInput()
    {
        var input = new ChunkedStream(["one s3cret-one\ntwo", " s3cret-one"]);
        var writes = new List<string>();
        Secrets.Copy(input, new RecordingStream(writes));
        Assert.Equal(["one ***\n", "two ***"], writes);
    }

    [Fact]
    public void Copy_ShortAndMultiLineValues_MaskEachLongEnoughLineLeavingShortOnes()
    {
        Assert.Equal("ab *** ***\n", Mask(["ab line-a line-b\n"]));
    }

    [Fact]
    public void Copy_LineLongerThanTheLimit_IsWrittenInPartsWithASecretAcrossTheCutStillMasked()
    {
        var filler = new string('x', SecretMasker.MaxLine - 3);
        var output = Mask([filler + "s3c", "ret-one", new string('y', SecretMasker.MaxLine + 10), "\n"]);
        Assert.Equal(filler + "***" + new string('y', SecretMasker.MaxLine + 10) + "\n", output);
    }

    [Fact]
    public void Copy_LongLineCutThroughACompleteSecret_HoldsItBackWithTheSecretOverlappingIt()
    {
        // The longest form registered is the 22-digit base64 of "789abcdefghijklmn", so the last 21 bytes are held back:
        // the cut falls inside "0123456789", complete, while "789abcdefghijklmn", which overlaps it, is not yet. Writing
        // the first as *** would leave "abcdefghijklmn" to the log once the second completes.
        var masker = new SecretMasker(["0123456789", "789abcdefghijklmn"]);
        var filler = new string('x', SecretMasker.MaxLine);
        using var output = new MemoryStream();
        masker.Copy(new ChunkedStream([filler + "0123456789abcdefghijkl", "mn tail\n"]), output);
        Assert.Equal(filler + "*** tail\n", Encoding.UTF8.GetString(output.ToArray()));
    }

    [Fact]
    public void Copy_EndlessLineOfSecrets_HoldsBackBoundedAndMasksEverything()
    {
        var masker = new SecretMasker(["secret"]);
        var reads = Enumerable.Repeat(string.Concat(Enumerable.Repeat("secret", 1000)), 40).ToList();
        var writes = new List<string>();
        masker.Copy(new ChunkedStream(reads), new RecordingStream(writes));
        Assert.True(writes.Count > 1, "a line longer than MaxLine is written in parts");
        Assert.DoesNotContain("secr", string.Concat(writes), StringComparison.Ordinal);
    }

    [Fact]
    public void Copy_InvalidUtf8_IsCopiedByteForByte()
    {
        byte[] bytes = [0xff, 0xfe, (byte)'\n', 0xc3];
        using var output = new MemoryStream();
        Secrets.Copy(new MemoryStream(bytes), output);
        Assert.Equal(bytes, output.ToArray());
    }

    [Fact]
    public void Copy_NonAsciiSecretAmongInvalidBytes_IsMatchedOnItsUtf8Bytes()
    {
        var masker = new SecretMasker(["pässwörd"]);
        byte[] input = [0xff, .. Encoding.UTF8.GetBytes("pässwörd"), 0xc3, (byte)'\n', .. Encoding.UTF8.GetBytes("pässwör")];
        using var output = new MemoryStream();
        masker.Copy(new MemoryStream(input), output);
        Assert.Equal([0xff, .. "***"u8.ToArray(), 0xc3, (byte)'\n', .. Encoding.UTF8.GetBytes("pässwör")], output.ToArray());
    }

    [Fact]
    public void Copy_WithoutSecrets_CopiesUnchanged()
    {
        using var output = new MemoryStream();
        new SecretMasker().Copy(new ChunkedStream(["a\nb", "c\n", "d"]), output);
        Assert.Equal("a\nbc\nd", Encoding.UTF8.GetString(output.ToArray()));
    }

    [Fact]
    public void Copy_TextAndStream_MaskAlike()
    {
        var masker = new SecretMasker(["correct-horse", "battery\nstaple", "p\"w+d"]);
        var text = "a correct-horse b\nbattery staple {\"k\":\"p\\\"w+d\"} " + Convert.ToBase64String("user:correct-horse"u8) + "\n";
        using var output = new MemoryStream();
        masker.Copy(new MemoryStream(Encoding.UTF8.GetBytes(text)), output);
        Assert.Equal(masker.Apply(text), Encoding.UTF8.GetString(output.ToArray()));
    }

    [Fact]
    public void Copy_FailingOutput_KeepsReadingToTheEnd()
    {
        var input = new ChunkedStream(["one\n", "two\n", "three\n"]);
        Assert.Equal(14, Secrets.Copy(input, new FailingStream()));
        Assert.Equal(0, input.Read(new byte[1], 0, 1));
    }

    [Fact]
    public void Copy_OutputThatRecovers_SaysInTheLogHowManyBytesAreMissingThere()
    {
        var writes = new List<string>();
        var lost = Secrets.Copy(new ChunkedStream(["one\n", "two\n", "three\n"]), new RecoveringStream(failures: 2, writes));
        Assert.Equal(0, lost);
        Assert.Equal(SecretMasker.GapNote(8, "No space left on device") + "three\n", string.Concat(writes));
    }

    private static string Mask(IReadOnlyList<string> reads)
    {
        using var output = new MemoryStream();
        Secrets.Copy(new ChunkedStream(reads), output);
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
        public override void Write(ReadOnlySpan<byte> buffer) => writes.Add(Encoding.UTF8.GetString(buffer));
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }

    /// <summary>An output whose first <paramref name="failures"/> writes fail, as a full disk that is freed; later writes are recorded.</summary>
    private sealed class RecoveringStream(int failures, List<string> writes) : Stream
    {
        private int _failures = failures;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (_failures-- > 0)
            {
                throw new IOException("No space left on device");
            }

            writes.Add(Encoding.UTF8.GetString(buffer));
        }

        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }

    /// <summary>An output whose every write fails, as a pipe whose reader is gone.</summary>
    private sealed class FailingStream : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => throw new IOException("Broken pipe");
        public override void Flush() => throw new IOException("Broken pipe");
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
