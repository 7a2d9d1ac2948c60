namespace Catalytic.Edge.Proxy.Relay;

/// <summary>
/// Finds where a request head ends as its bytes arrive, enforcing the size limits on the way: the request line
/// (414), the header section's size and field count (431), and line endings (a bare LF is refused at once, 400, rather
/// than waiting for a CRLF CRLF that never comes). Resumes where it stopped, so a head arriving a byte at a time is
/// scanned once. Empty lines before the request line are skipped (RFC 9112 §2.2).
/// </summary>
internal struct HeadScanner
{
    /// <summary>Returned by <see cref="Scan"/> while the head is incomplete.</summary>
    public const int NeedMore = -1;

    /// <summary>Returned by <see cref="Scan"/> when the head broke a rule; <see cref="Status"/> says which.</summary>
    public const int Refused = -2;

    private const int MaxLeadingEmptyLines = 8;

    private int _position;
    private int _lines;
    private int _headerBytes;

    /// <summary>Bytes before the request line (empty lines skipped).</summary>
    public int Skipped { get; private set; }

    /// <summary>After <see cref="Refused"/>: 400, 414 or 431.</summary>
    public int Status { get; private set; }

    /// <summary>Starts over for the next request.</summary>
    public void Reset() => this = default;

    /// <summary>
    /// Scans <paramref name="data"/> (every byte received for this head so far, from its start): the head's length
    /// after <see cref="Skipped"/> (through the empty line), <see cref="NeedMore"/> or <see cref="Refused"/>.
    /// </summary>
    public int Scan(ReadOnlySpan<byte> data, EdgeListenerOptions limits)
    {
        while (_lines == 0 && _position == Skipped && data.Length > _position)
        {
            if (data[_position] == (byte)'\n')
            {
                return Refuse(400);
            }

            if (data[_position] != (byte)'\r')
            {
                break;
            }

            if (data.Length < _position + 2)
            {
                return NeedMore;
            }

            if (data[_position + 1] != (byte)'\n' || (_position / 2) >= MaxLeadingEmptyLines)
            {
                return Refuse(400);
            }

            _position += 2;
            Skipped = _position;
        }

        while (true)
        {
            var rest = data[_position..];
            var lf = rest.IndexOf((byte)'\n');
            if (lf < 0)
            {
                return _lines == 0 ? (rest.Length > limits.MaxRequestLineSize + 1 ? Refuse(414) : NeedMore)
                    : _headerBytes + rest.Length > limits.MaxRequestHeadersTotalSize ? Refuse(431) : NeedMore;
            }

            if (lf == 0 || rest[lf - 1] != (byte)'\r')
            {
                return Refuse(400);
            }

            var length = lf - 1;
            if (_lines == 0)
            {
                if (length > limits.MaxRequestLineSize)
                {
                    return Refuse(414);
                }
            }
            else if (length == 0)
            {
                return _position + lf + 1 - Skipped;
            }
            else
            {
                _headerBytes += length + 2;
                if (_lines > limits.MaxRequestHeaderCount || _headerBytes > limits.MaxRequestHeadersTotalSize)
                {
                    return Refuse(431);
                }
            }

            _lines++;
            _position += lf + 1;
        }
    }

    private int Refuse(int status)
    {
        Status = status;
        return Refused;
    }
}
