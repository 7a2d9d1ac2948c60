using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Catalytic.Edge.Proxy.Relay;

/// <summary>What <see cref="Http1Gate"/> decided about one request head, in the order the requests came.</summary>
internal sealed record GateVerdict(int Status, string Reason, IReadOnlyList<string> ConnectionOptions);

/// <summary>The gate's verdicts on a connection, a connection feature Kestrel's requests see.</summary>
internal sealed class GateVerdicts : ConcurrentQueue<GateVerdict>;

/// <summary>
/// The relay's checks on the raw bytes of the HTTP/1.x connections that Kestrel's HTTP layer reads (every connection
/// when the relay is off; the rest of a connection the relay handed over). A <see cref="PipeReader"/> in front of the
/// connection's input that passes every byte through unchanged, follows the message framing, and checks each request
/// head with <see cref="HeadScanner"/> and <see cref="RequestHead"/> as the relay would — seeing what Kestrel's parsed
/// view hides (a signed Content-Length, the options of Connection, which Kestrel rewrites). The verdicts queue up on the
/// connection; <see cref="EdgeProxy"/> takes one per request and refuses the request when the gate did. After an upgrade
/// request or the HTTP/2 preface the bytes are not HTTP/1 any more and pass unchecked.
/// </summary>
internal sealed class Http1Gate : PipeReader
{
    private readonly PipeReader _inner;
    private readonly GateVerdicts _verdicts;
    private readonly ClientIdentity _client;
    private readonly EdgeListenerOptions _options;
    private readonly RequestHead _request = new();
    private byte[] _head = new byte[1024];
    private int _headLength;
    private HeadScanner _scanner;
    private ChunkedScanner _chunked;
    private long _bodyLeft;
    private Mode _mode;
    private ReadOnlySequence<byte> _last;
    private long _inspected;

    private Http1Gate(PipeReader inner, GateVerdicts verdicts, ClientIdentity client, EdgeListenerOptions options)
    {
        _inner = inner;
        _verdicts = verdicts;
        _client = client;
        _options = options;
    }

    private enum Mode
    {
        Head,
        Body,
        Chunked,
        Passthrough,
    }

    /// <summary>Puts a gate in front of <paramref name="connection"/>'s input (before Kestrel's HTTP layer reads it).</summary>
    public static void Install(ConnectionContext connection, EdgeListenerOptions options)
    {
        var verdicts = new GateVerdicts();
        connection.Features.Set(verdicts);
        var peer = (connection.RemoteEndPoint as IPEndPoint)?.Address;
        var transport = connection.Transport;
        connection.Transport = new GatedPipe(new Http1Gate(transport.Input, verdicts, new ClientIdentity(peer, options.Trusts(peer)), options), transport.Output);
    }

    /// <summary>A gate over <paramref name="inner"/> on its own (the fuzz harness drives one without a connection).</summary>
    internal static Http1Gate Create(PipeReader inner, EdgeListenerOptions options) =>
        new(inner, new GateVerdicts(), new ClientIdentity(IPAddress.Loopback, false), options);

    /// <summary>The gate's verdict on the request <paramref name="context"/> is (null: no gate, or not HTTP/1.x).</summary>
    public static GateVerdict? Take(HttpContext context)
    {
        if (!HttpProtocol.IsHttp11(context.Request.Protocol) && !HttpProtocol.IsHttp10(context.Request.Protocol))
        {
            return null;
        }

        var verdicts = context.Features.Get<GateVerdicts>();
        return verdicts is not null && verdicts.TryDequeue(out var verdict) ? verdict : null;
    }

    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        var result = await _inner.ReadAsync(cancellationToken);
        Inspect(result.Buffer);
        return result;
    }

    public override bool TryRead(out ReadResult result)
    {
        if (!_inner.TryRead(out result))
        {
            return false;
        }

        Inspect(result.Buffer);
        return true;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        _inspected -= _last.Slice(_last.Start, consumed).Length;
        _last = default;
        _inner.AdvanceTo(consumed, examined);
    }

    public override void CancelPendingRead() => _inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => _inner.Complete(exception);

    /// <summary>Follows the bytes not inspected yet (the buffer starts at what the reader consumed last).</summary>
    private void Inspect(ReadOnlySequence<byte> buffer)
    {
        _last = buffer;
        if (_mode == Mode.Passthrough || buffer.Length <= _inspected)
        {
            _inspected = buffer.Length;
            return;
        }

        foreach (var segment in buffer.Slice(_inspected))
        {
            var span = segment.Span;
            while (!span.IsEmpty && _mode != Mode.Passthrough)
            {
                span = span[Step(span)..];
            }
        }

        _inspected = buffer.Length;
    }

    /// <summary>Takes what belongs to the current part of the stream; returns how many bytes of <paramref name="data"/> it took.</summary>
    private int Step(ReadOnlySpan<byte> data)
    {
        switch (_mode)
        {
            case Mode.Body:
            {
                var take = (int)Math.Min(_bodyLeft, data.Length);
                _bodyLeft -= take;
                _mode = _bodyLeft == 0 ? Mode.Head : Mode.Body;
                return take;
            }

            case Mode.Chunked:
            {
                var end = _chunked.Scan(data);
                if (end == ChunkedScanner.Invalid)
                {
                    _mode = Mode.Passthrough; // Kestrel refuses the body too, and closes.
                    return data.Length;
                }

                if (end == ChunkedScanner.NotEnded)
                {
                    return data.Length;
                }

                _mode = Mode.Head;
                return end;
            }

            default:
                return StepHead(data);
        }
    }

    private int StepHead(ReadOnlySpan<byte> data)
    {
        var max = _options.MaxRequestLineSize + _options.MaxRequestHeadersTotalSize + 64;
        var copy = Math.Min(data.Length, max - _headLength);
        if (_head.Length < _headLength + copy)
        {
            Array.Resize(ref _head, Math.Min(max, Math.Max(_head.Length * 2, _headLength + copy)));
        }

        data[..copy].CopyTo(_head.AsSpan(_headLength));
        _headLength += copy;
        var head = _head.AsSpan(0, _headLength);
        var length = _scanner.Scan(head, _options);
        if (length == HeadScanner.NeedMore)
        {
            return data.Length;
        }

        if (length == HeadScanner.Refused)
        {
            Refuse(_scanner.Status, "request head over a limit or with a bare LF");
            return data.Length;
        }

        var skipped = _scanner.Skipped;
        var excess = _headLength - (skipped + length);
        var request = head.Slice(skipped, length);
        _scanner.Reset();
        _headLength = 0;
        if (request.StartsWith(RequestHead.Http2Preface))
        {
            _mode = Mode.Passthrough;
            return copy - excess;
        }

        var verdict = _request.Parse(request, _client, _options, null);
        if (verdict >= 400)
        {
            Refuse(verdict, _request.Reason);
            return copy - excess;
        }

        _verdicts.Enqueue(new GateVerdict(0, "", ConnectionOptions(request)));
        (_mode, _bodyLeft) = _request.IsUpgrade ? (Mode.Passthrough, 0)
            : _request.Body == RequestBody.Chunked ? (Mode.Chunked, 0)
            : _request.Body == RequestBody.Length ? (Mode.Body, _request.ContentLength)
            : (Mode.Head, 0);
        _chunked = default;
        return copy - excess;
    }

    private void Refuse(int status, string reason)
    {
        // The request is answered with this status and the connection closes: what follows is never read as HTTP.
        _verdicts.Enqueue(new GateVerdict(status, reason, []));
        _mode = Mode.Passthrough;
    }

    /// <summary>The options of the head's Connection fields other than close, keep-alive and upgrade.</summary>
    private static string[] ConnectionOptions(ReadOnlySpan<byte> head)
    {
        List<string>? options = null;
        foreach (var range in head.Split("\r\n"u8))
        {
            var line = head[range];
            var colon = line.IndexOf((byte)':');
            if (colon != 10 || !HttpSyntax.Is(line[..colon], "connection"u8))
            {
                continue;
            }

            var value = line[(colon + 1)..];
            foreach (var element in value.Split((byte)','))
            {
                var option = HttpSyntax.Trim(value[element]);
                if (!option.IsEmpty && !HttpSyntax.Is(option, "close"u8) && !HttpSyntax.Is(option, "keep-alive"u8) && !HttpSyntax.Is(option, "upgrade"u8))
                {
                    (options ??= []).Add(Encoding.ASCII.GetString(option));
                }
            }
        }

        return options is null ? [] : [.. options];
    }

    private sealed class GatedPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
