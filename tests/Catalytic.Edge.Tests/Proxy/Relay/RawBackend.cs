using Catalytic.Edge.Tests.Robustness;

namespace Catalytic.Edge.Tests.Proxy.Relay;

/// <summary>
/// A backend speaking scripted raw HTTP/1.1 on 127.0.0.1 (free port): for each request head it receives (bodies by
/// Content-Length) it writes what <c>answer</c> returns, then closes the connection when asked to. A
/// <see cref="ScriptedBackend"/> with one script for every connection.
/// </summary>
internal sealed class RawBackend : IAsyncDisposable
{
    private readonly ScriptedBackend _backend;

    public RawBackend(Func<string, (string Response, bool Close)> answer)
    {
        _backend = new ScriptedBackend(async c =>
        {
            while (await c.ReadRequestAsync() is { } request)
            {
                var (response, close) = answer(request.Head);
                await c.WriteAsync(response);
                if (close)
                {
                    return;
                }
            }
        });
    }

    public Uri Address => _backend.Address;

    /// <summary>Connections accepted so far.</summary>
    public int Connections => _backend.Connections;

    /// <summary>Connections that ended so far.</summary>
    public int Closed => _backend.Closed;

    public ValueTask DisposeAsync() => _backend.DisposeAsync();
}
