namespace Catalytic.Edge.Proxy.Relay;

/// <summary>
/// Follows the framing of a chunked HTTP/1.1 body as its bytes stream by, without changing them, to find where the
/// message ends (after the last chunk and its trailer section). The relay forwards the bytes verbatim, so the framing is
/// checked strictly (RFC 9112 §7.1): hex sizes of at most 15 digits (no overflow), only whitespace then ';' after a
/// size, no control characters in extensions or trailers, CRLF everywhere (a bare LF is invalid), and bounded extension
/// and trailer sizes.
/// </summary>
internal struct ChunkedScanner
{
    /// <summary>Returned by <see cref="Scan"/> when every byte belongs to the body and it has not ended yet.</summary>
    public const int NotEnded = -1;

    /// <summary>Returned by <see cref="Scan"/> when the bytes are not valid chunked framing.</summary>
    public const int Invalid = -2;

    private const int MaxSizeDigits = 15;
    private const int MaxLineExtra = 4096;
    private const int MaxTrailerBytes = 32 * 1024;

    private State _state;
    private long _remaining;
    private int _count;
    private int _trailerBytes;

    private enum State
    {
        Size,
        SizeWhitespace,
        Extension,
        SizeLineFeed,
        Data,
        DataCarriageReturn,
        DataLineFeed,
        TrailerLineStart,
        TrailerLine,
        TrailerLineFeed,
        FinalLineFeed,
        Done,
    }

    /// <summary>True once the terminating empty line was seen.</summary>
    public readonly bool Ended => _state == State.Done;

    /// <summary>Bytes of chunk data (framing excluded) seen so far: what a body-size limit counts.</summary>
    public long DataBytes { get; private set; }

    /// <summary>
    /// Scans the next bytes of the body: the count of bytes up to and including the end of the message, or
    /// <see cref="NotEnded"/>, or <see cref="Invalid"/>.
    /// </summary>
    public int Scan(ReadOnlySpan<byte> data)
    {
        var i = 0;
        while (i < data.Length)
        {
            var b = data[i];
            switch (_state)
            {
                case State.Size:
                {
                    i++;
                    var v = HexValue(b);
                    if (v >= 0)
                    {
                        if (++_count > MaxSizeDigits)
                        {
                            return Invalid;
                        }

                        _remaining = (_remaining << 4) | (uint)v;
                    }
                    else if (_count == 0)
                    {
                        return Invalid;
                    }
                    else if (!AfterSize(b))
                    {
                        return Invalid;
                    }

                    break;
                }

                case State.SizeWhitespace:
                    i++;
                    if (!AfterSize(b) || b == (byte)'\r')
                    {
                        // Whitespace after a size must lead to an extension (BWS ";"), not to the line's end.
                        return Invalid;
                    }

                    break;

                case State.Extension:
                    i++;
                    if (b == (byte)'\r')
                    {
                        _state = State.SizeLineFeed;
                    }
                    else if (IsControl(b) || ++_count > MaxLineExtra)
                    {
                        return Invalid;
                    }

                    break;

                case State.SizeLineFeed:
                    if (data[i++] != (byte)'\n')
                    {
                        return Invalid;
                    }

                    _state = _remaining == 0 ? State.TrailerLineStart : State.Data;
                    break;

                case State.Data:
                {
                    var take = (int)Math.Min(_remaining, data.Length - i);
                    i += take;
                    _remaining -= take;
                    DataBytes += take;
                    if (_remaining == 0)
                    {
                        _state = State.DataCarriageReturn;
                    }

                    break;
                }

                case State.DataCarriageReturn:
                    if (data[i++] != (byte)'\r')
                    {
                        return Invalid;
                    }

                    _state = State.DataLineFeed;
                    break;

                case State.DataLineFeed:
                    if (data[i++] != (byte)'\n')
                    {
                        return Invalid;
                    }

                    _count = 0;
                    _remaining = 0;
                    _state = State.Size;
                    break;

                case State.TrailerLineStart:
                    i++;
                    if (b == (byte)'\r')
                    {
                        _state = State.FinalLineFeed;
                    }
                    else if (IsControl(b) || b is (byte)' ' or (byte)'\t' || ++_trailerBytes > MaxTrailerBytes)
                    {
                        // No obs-fold in trailers either.
                        return Invalid;
                    }
                    else
                    {
                        _state = State.TrailerLine;
                    }

                    break;

                case State.TrailerLine:
                    i++;
                    if (b == (byte)'\r')
                    {
                        _state = State.TrailerLineFeed;
                    }
                    else if (IsControl(b) || ++_trailerBytes > MaxTrailerBytes)
                    {
                        return Invalid;
                    }

                    break;

                case State.TrailerLineFeed:
                case State.FinalLineFeed:
                    if (data[i++] != (byte)'\n')
                    {
                        return Invalid;
                    }

                    if (_state == State.FinalLineFeed)
                    {
                        _state = State.Done;
                        return i;
                    }

                    _state = State.TrailerLineStart;
                    break;

                default:
                    return i;
            }
        }

        return NotEnded;
    }

    /// <summary>A byte after the size digits: CR ends the line, BWS or ';' start an extension.</summary>
    private bool AfterSize(byte b)
    {
        switch (b)
        {
            case (byte)'\r':
                _state = State.SizeLineFeed;
                return true;
            case (byte)' ' or (byte)'\t':
                _state = State.SizeWhitespace;
                return true;
            case (byte)';':
                _count = 0;
                _state = State.Extension;
                return true;
            default:
                return false;
        }
    }

    /// <summary>A control character other than the tab (LF and NUL included); CR is handled by the callers.</summary>
    private static bool IsControl(byte b) => (b < 0x20 && b != (byte)'\t') || b == 0x7f;

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
