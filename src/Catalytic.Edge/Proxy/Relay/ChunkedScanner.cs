namespace Catalytic.Edge.Proxy.Relay;

/// <summary>
/// Follows the framing of a chunked HTTP/1.1 body as its bytes stream by, without changing them, to find where the
/// message ends (after the last chunk and its trailer section). The relay forwards the bytes verbatim.
/// </summary>
internal struct ChunkedScanner
{
    /// <summary>Returned by <see cref="Scan"/> when every byte belongs to the body and it has not ended yet.</summary>
    public const int NotEnded = -1;

    /// <summary>Returned by <see cref="Scan"/> when the bytes are not valid chunked framing.</summary>
    public const int Invalid = -2;

    private const int MaxSizeDigits = 15;

    private State _state;
    private long _remaining;
    private int _digits;

    private enum State
    {
        Size,
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

    /// <summary>
    /// Scans the next bytes of the body: the count of bytes up to and including the end of the message, or
    /// <see cref="NotEnded"/>, or <see cref="Invalid"/>.
    /// </summary>
    public int Scan(ReadOnlySpan<byte> data)
    {
        var i = 0;
        while (i < data.Length)
        {
            switch (_state)
            {
                case State.Size:
                {
                    var b = data[i++];
                    var v = HexValue(b);
                    if (v >= 0)
                    {
                        if (++_digits > MaxSizeDigits)
                        {
                            return Invalid;
                        }

                        _remaining = (_remaining << 4) | (uint)v;
                    }
                    else if (_digits == 0)
                    {
                        return Invalid;
                    }
                    else if (b == (byte)'\r')
                    {
                        _state = State.SizeLineFeed;
                    }
                    else if (b is (byte)';' or (byte)' ' or (byte)'\t')
                    {
                        _state = State.Extension;
                    }
                    else
                    {
                        return Invalid;
                    }

                    break;
                }

                case State.Extension:
                {
                    var cr = data[i..].IndexOfAny((byte)'\r', (byte)'\n');
                    if (cr < 0)
                    {
                        i = data.Length;
                        break;
                    }

                    if (data[i + cr] == (byte)'\n')
                    {
                        return Invalid;
                    }

                    i += cr + 1;
                    _state = State.SizeLineFeed;
                    break;
                }

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

                    _digits = 0;
                    _remaining = 0;
                    _state = State.Size;
                    break;

                case State.TrailerLineStart:
                    _state = data[i++] == (byte)'\r' ? State.FinalLineFeed : State.TrailerLine;
                    break;

                case State.TrailerLine:
                {
                    var cr = data[i..].IndexOf((byte)'\r');
                    if (cr < 0)
                    {
                        i = data.Length;
                        break;
                    }

                    i += cr + 1;
                    _state = State.TrailerLineFeed;
                    break;
                }

                case State.TrailerLineFeed:
                    if (data[i++] != (byte)'\n')
                    {
                        return Invalid;
                    }

                    _state = State.TrailerLineStart;
                    break;

                case State.FinalLineFeed:
                    if (data[i++] != (byte)'\n')
                    {
                        return Invalid;
                    }

                    _state = State.Done;
                    return i;

                default:
                    return i;
            }
        }

        return NotEnded;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };
}
