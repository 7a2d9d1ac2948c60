using System.Buffers;
using System.Text;

namespace Catalytic.Platform.Secrets;

/// <summary>The masker on a byte stream: a process's output on its way to a log file.</summary>
public sealed partial class SecretMasker
{
    /// <summary>A line longer than this without a newline is written out in parts (all but a possible secret's start).</summary>
    public const int MaxLine = 64 * 1024;

    private static readonly byte[] MaskBytes = Encoding.ASCII.GetBytes(Mask);

    /// <summary>
    /// Copies <paramref name="input"/> to <paramref name="output"/> until end of input with every secret masked. The
    /// stream is UTF-8 (or anything: bytes that are not UTF-8 pass unchanged), matched byte for byte against each
    /// form's UTF-8 encoding, by the same rule and the same search as text. What a read returned is written at once up to its
    /// last newline; a partial line waits for its end, so a secret split across reads is still masked and the log only
    /// ever holds whole lines; the rest is written at end of input. A line longer than <see cref="MaxLine"/> is written
    /// in parts, holding back only what could still be the start of a secret. A failing output is dropped, never a reason
    /// to stop reading: a writer must not get EPIPE because its log cannot be written. What was dropped is not lost
    /// silently: the next write that succeeds is preceded by a line saying how many bytes are missing there and why
    /// (<see cref="GapNote"/>), at the very place of the gap. No allocation per line: the buffers are reused.
    /// </summary>
    /// <returns>The bytes dropped at the end that no note in <paramref name="output"/> accounts for (0 when every gap was noted).</returns>
    public long Copy(Stream input, Stream output)
    {
        var gap = new Gap();
        var buffer = new byte[16 * 1024];
        var pending = new ArrayBufferWriter<byte>(1024);
        var masked = new ArrayBufferWriter<byte>(buffer.Length + 1024);
        int n;
        while ((n = input.Read(buffer, 0, buffer.Length)) > 0)
        {
            var patterns = Current()?.Bytes;
            var chunk = buffer.AsSpan(0, n);
            var last = chunk.LastIndexOf((byte)'\n');
            if (last < 0)
            {
                pending.Write(chunk);
                if (pending.WrittenCount > MaxLine)
                {
                    // Whatever could still become a secret starts in the last MaxLength - 1 bytes: write all before.
                    var consumed = MaskInto(masked, pending.WrittenSpan, patterns, complete: false);
                    Keep(pending, consumed);
                }
            }
            else if (pending.WrittenCount > 0)
            {
                pending.Write(chunk[..(last + 1)]);
                MaskInto(masked, pending.WrittenSpan, patterns, complete: true);
                pending.ResetWrittenCount();
                pending.Write(chunk[(last + 1)..]);
            }
            else
            {
                MaskInto(masked, chunk[..(last + 1)], patterns, complete: true);
                pending.Write(chunk[(last + 1)..]);
            }

            Flush(masked, output, gap);
        }

        if (pending.WrittenCount > 0)
        {
            MaskInto(masked, pending.WrittenSpan, Current()?.Bytes, complete: true);
            Flush(masked, output, gap);
        }

        return gap.Bytes;
    }

    /// <summary>The line written into the output before the first bytes that could be written after a gap.</summary>
    public static string GapNote(long bytes, string reason) =>
        $"[catalytic: {bytes} bytes of output could not be written to this log here and are lost ({reason})]\n";

    /// <summary>
    /// Writes <paramref name="bytes"/> masked to <paramref name="output"/>: all of them when <paramref name="complete"/>
    /// (they end a line or the input), else up to where a secret might still be incomplete. Returns how many were taken.
    /// </summary>
    private static int MaskInto(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> bytes, SecretPatterns<byte>? patterns, bool complete)
    {
        var limit = complete || patterns is null ? bytes.Length : Math.Max(0, bytes.Length - (patterns.MaxLength - 1));
        if (patterns is null)
        {
            output.Write(bytes);
            return bytes.Length;
        }

        var copied = 0;
        var from = 0;
        while (patterns.NextRange(bytes, ref from, out var start, out var end) && start < limit)
        {
            if (end > limit)
            {
                // A secret reaching past the cut stays with what is held back, unless holding it would pass MaxLine.
                if (bytes.Length - start <= MaxLine)
                {
                    limit = start;
                    break;
                }

                limit = end;
            }

            output.Write(bytes[copied..start]);
            output.Write(MaskBytes);
            copied = end;
        }

        if (copied < limit)
        {
            output.Write(bytes[copied..limit]);
            copied = limit;
        }

        return copied;
    }

    /// <summary>Drops the first <paramref name="consumed"/> bytes of <paramref name="pending"/>, keeping the rest at its start.</summary>
    private static void Keep(ArrayBufferWriter<byte> pending, int consumed)
    {
        var rest = pending.WrittenSpan[consumed..].ToArray();
        pending.ResetWrittenCount();
        pending.Write(rest);
    }

    private static void Flush(ArrayBufferWriter<byte> buffer, Stream output, Gap gap)
    {
        if (buffer.WrittenCount == 0)
        {
            return;
        }

        try
        {
            if (gap.Bytes > 0)
            {
                output.Write(Encoding.UTF8.GetBytes(GapNote(gap.Bytes, gap.Reason!)));
                gap.Bytes = 0;
                gap.Reason = null;
            }

            output.Write(buffer.WrittenSpan);
            output.Flush();
        }
        catch (IOException e)
        {
            // The log cannot be written (disk full, reader gone): the bytes are dropped, the writer is not stopped. The
            // stage has no other channel (its stderr is this same log, and no server reads it), so the gap is counted
            // and told in the log itself by the next write that succeeds, or returned to the caller at the end.
            gap.Bytes += buffer.WrittenCount;
            gap.Reason ??= e.Message;
        }

        buffer.ResetWrittenCount();
    }

    /// <summary>Bytes dropped since the last write that succeeded, and why the first of them was.</summary>
    private sealed class Gap
    {
        public long Bytes { get; set; }

        public string? Reason { get; set; }
    }
}
