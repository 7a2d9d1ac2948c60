using System.Text;

namespace Catalytic.Runner.Processes;

/// <summary>
/// Turns a byte stream into lines the way <see cref="StreamReader.ReadLine()"/> does: UTF-8 (a leading byte order
/// mark skipped, invalid bytes replaced), a line ends at <c>\n</c>, <c>\r</c> or <c>\r\n</c> (also when they arrive in
/// different reads), and the text after the last terminator is a line of its own at the end.
/// </summary>
internal sealed class LineSplitter(Action<string> onLine)
{
    private static readonly byte[] Bom = [0xEF, 0xBB, 0xBF];

    private readonly Decoder _decoder = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetDecoder();
    private readonly StringBuilder _line = new();
    private readonly byte[] _head = new byte[Bom.Length];
    private int _headLength;
    private bool _headDone;
    private char[] _chars = new char[4096];
    private bool _afterCr;

    /// <summary>Takes the next bytes; calls the callback for each line they complete.</summary>
    public void Feed(ReadOnlySpan<byte> bytes)
    {
        if (!_headDone)
        {
            // Hold the first bytes until it is clear whether they are a byte order mark.
            while (_headLength < Bom.Length && bytes.Length > 0)
            {
                _head[_headLength++] = bytes[0];
                bytes = bytes[1..];
            }

            if (_headLength < Bom.Length && Bom.AsSpan(0, _headLength).SequenceEqual(_head.AsSpan(0, _headLength)))
            {
                return;
            }

            _headDone = true;
            if (!_head.AsSpan(0, _headLength).SequenceEqual(Bom))
            {
                Decode(_head.AsSpan(0, _headLength), flush: false);
            }
        }

        Decode(bytes, flush: false);
    }

    /// <summary>The stream ended: the text after the last line break, if any, is the last line.</summary>
    public void Finish()
    {
        if (!_headDone)
        {
            _headDone = true;
            if (!_head.AsSpan(0, _headLength).SequenceEqual(Bom))
            {
                Decode(_head.AsSpan(0, _headLength), flush: false);
            }
        }

        Decode([], flush: true);
        if (_line.Length > 0)
        {
            var last = _line.ToString();
            _line.Clear();
            onLine(last);
        }
    }

    private void Decode(ReadOnlySpan<byte> bytes, bool flush)
    {
        var max = _decoder.GetCharCount(bytes, flush);
        if (max > _chars.Length)
        {
            _chars = new char[Math.Max(max, _chars.Length * 2)];
        }

        var count = _decoder.GetChars(bytes, _chars, flush);
        Scan(_chars.AsSpan(0, count));
    }

    private void Scan(ReadOnlySpan<char> chars)
    {
        var start = 0;
        for (var i = 0; i < chars.Length; i++)
        {
            var c = chars[i];
            if (c == '\n' && _afterCr)
            {
                // The \n of a \r\n whose \r already ended the line.
                _afterCr = false;
                start = i + 1;
                continue;
            }

            _afterCr = false;
            if (c is not ('\n' or '\r'))
            {
                continue;
            }

            string line;
            if (_line.Length == 0)
            {
                line = new string(chars[start..i]);
            }
            else
            {
                line = _line.Append(chars[start..i]).ToString();
                _line.Clear();
            }

            _afterCr = c == '\r';
            start = i + 1;
            onLine(line);
        }

        _line.Append(chars[start..]);
    }
}
