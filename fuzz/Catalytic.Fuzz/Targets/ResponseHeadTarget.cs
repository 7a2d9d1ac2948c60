using Catalytic.Edge.Proxy.Relay;

namespace Catalytic.Fuzz.Targets;

/// <summary>
/// A backend's response head as the relay reads it (<see cref="ResponseHead"/>), and the head it writes for the client:
/// that one must parse again, with the same status and framing, and hold no byte the check refused.
/// </summary>
internal sealed class ResponseHeadTarget : IFuzzTarget
{
    private readonly byte[] _out = new byte[256 * 1024];

    public string Name => "response-head";

    public void Run(ReadOnlySpan<byte> input)
    {
        var end = input.IndexOf("\r\n\r\n"u8);
        if (end < 0 || input.IsEmpty)
        {
            return;
        }

        var head = input[..(end + 4)];
        var wasHead = (input[^1] & 1) == 1;
        var response = default(ResponseHead);
        if (!response.TryParse(head, wasHead))
        {
            return;
        }

        var extra = "X-Catalytic-Version: v1\r\n"u8;
        var written = response.WriteForClient(head, extra, close: (input[^1] & 2) == 2, _out);
        var again = default(ResponseHead);
        if (!again.TryParse(_out.AsSpan(0, written), wasHead))
        {
            throw new FuzzInvariantException("the head written for the client does not parse");
        }

        if (again.Status != response.Status || again.Framing != response.Framing || again.ContentLength != response.ContentLength)
        {
            throw new FuzzInvariantException("the head written for the client frames the body differently");
        }
    }
}
