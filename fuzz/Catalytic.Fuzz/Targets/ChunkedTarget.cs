using Catalytic.Edge.Proxy.Relay;

namespace Catalytic.Fuzz.Targets;

/// <summary>
/// A chunked body as <see cref="ChunkedScanner"/> follows it: whole, and byte by byte, and in two pieces split where the
/// first byte says — all three must find the same end (or the same refusal) and count the same data bytes.
/// </summary>
internal sealed class ChunkedTarget : IFuzzTarget
{
    public string Name => "chunked";

    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        var whole = default(ChunkedScanner);
        var expected = whole.Scan(input);

        var bytewise = default(ChunkedScanner);
        var result = ChunkedScanner.NotEnded;
        for (var i = 0; i < input.Length && result == ChunkedScanner.NotEnded; i++)
        {
            var r = bytewise.Scan(input.Slice(i, 1));
            result = r >= 0 ? i + r : r;
        }

        var split = default(ChunkedScanner);
        var at = input[0] % input.Length;
        var first = split.Scan(input[..at]);
        var two = first != ChunkedScanner.NotEnded ? first : split.Scan(input[at..]) is var s && s >= 0 ? at + s : s;

        if (result != expected || two != expected)
        {
            throw new FuzzInvariantException($"chunked end differs: whole {expected}, byte by byte {result}, split at {at} {two}");
        }

        if (expected >= 0 && (bytewise.DataBytes != whole.DataBytes || split.DataBytes != whole.DataBytes))
        {
            throw new FuzzInvariantException("chunked data byte counts differ");
        }
    }
}
