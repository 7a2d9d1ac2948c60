using System.Buffers;
using System.IO.Pipelines;
using Catalytic.Edge.Proxy;
using Catalytic.Edge.Proxy.Relay;

namespace Catalytic.Fuzz.Targets;

/// <summary>
/// A connection's bytes through <see cref="Http1Gate"/> as Kestrel would read them: arriving in pieces, consumed a part
/// at a time. The gate must pass every byte through unchanged, in order, whatever it decides about the heads.
/// </summary>
internal sealed class GateTarget : IFuzzTarget
{
    private static readonly EdgeListenerOptions Limits = new() { MaxRequestLineSize = 512, MaxRequestHeadersTotalSize = 2048, MaxRequestHeaderCount = 20 };

    public string Name => "gate";

    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }

        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 0, useSynchronizationContext: false));
        var gate = Http1Gate.Create(pipe.Reader, Limits);
        var step = 1 + (input[0] % 37);
        var seen = new List<byte>(input.Length);
        var fed = 0;
        while (fed < input.Length || seen.Count < input.Length)
        {
            if (fed < input.Length)
            {
                var n = Math.Min(step, input.Length - fed);
                pipe.Writer.Write(input.Slice(fed, n));
                fed += n;
                if (fed == input.Length)
                {
                    pipe.Writer.Complete();
                }
                else
                {
                    _ = pipe.Writer.FlushAsync().AsTask().GetAwaiter().GetResult();
                }
            }

            if (!gate.TryRead(out var result))
            {
                continue;
            }

            // Consume about half of what is there, as a parser that waits for more would.
            var buffer = result.Buffer;
            var take = buffer.Length == 0 ? 0 : Math.Max(1, buffer.Length / 2);
            if (result.IsCompleted)
            {
                take = buffer.Length;
            }

            foreach (var segment in buffer.Slice(0, take))
            {
                seen.AddRange(segment.ToArray());
            }

            gate.AdvanceTo(buffer.GetPosition(take), buffer.End);
            if (result.IsCompleted && take == buffer.Length)
            {
                break;
            }
        }

        gate.Complete();
        if (!input.SequenceEqual(seen.ToArray()))
        {
            throw new FuzzInvariantException("the gate changed, lost or reordered bytes");
        }
    }
}
