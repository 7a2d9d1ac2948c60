using System.Diagnostics;
using System.Net.Http.Headers;

namespace Catalytic.Cli.Commands.Demo;

/// <summary>
/// Continuous traffic against one edge address while a deployment runs: every response is counted, and any
/// non-2xx status or socket error is a failed request. Records which versions answered, in order, so the
/// summary can show the switch.
/// </summary>
internal sealed class DemoLoad : IAsyncDisposable
{
    private readonly Uri _url;
    private readonly int _connections;
    private readonly CancellationTokenSource _stop = new();
    private readonly HttpClient _http;
    private readonly List<Task> _workers = [];
    private readonly List<(TimeSpan At, string Version)> _switches = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _requests;
    private int _disposed;
    private long _failed;
    private string? _lastVersion;
    private string? _firstFailure;

    private readonly TimeSpan _pause;

    /// <param name="pause">The pause between two requests of one connection: the demo wants steady traffic, not a benchmark that starves the pipeline of CPU.</param>
    public DemoLoad(Uri url, int connections, TimeSpan pause)
    {
        _pause = pause;
        _url = url;
        _connections = connections;
        _http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            UseProxy = false,
        })
        { Timeout = TimeSpan.FromSeconds(10) };
        _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
    }

    public long Requests => Interlocked.Read(ref _requests);

    public long Failed => Interlocked.Read(ref _failed);

    public string? FirstFailure => _firstFailure;

    /// <summary>The versions that answered, each with the time it first answered after another one.</summary>
    public IReadOnlyList<(TimeSpan At, string Version)> Switches
    {
        get
        {
            lock (_switches)
            {
                return [.. _switches];
            }
        }
    }

    public void Start()
    {
        for (var i = 0; i < _connections; i++)
        {
            _workers.Add(Task.Run(() => WorkAsync(_stop.Token)));
        }
    }

    private async Task WorkAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                using var response = await _http.GetAsync(_url, HttpCompletionOption.ResponseContentRead, ct);
                Interlocked.Increment(ref _requests);
                if (!response.IsSuccessStatusCode)
                {
                    Fail($"HTTP {(int)response.StatusCode} from {_url}");
                }
                else if (response.Headers.TryGetValues("X-Catalytic-Version", out var values))
                {
                    Seen(values.First());
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                Interlocked.Increment(ref _requests);
                Fail($"{e.GetType().Name}: {e.Message}");
            }

            try
            {
                await Task.Delay(_pause, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Fail(string what)
    {
        Interlocked.Increment(ref _failed);
        Interlocked.CompareExchange(ref _firstFailure, what, null);
    }

    private void Seen(string version)
    {
        if (version == Volatile.Read(ref _lastVersion))
        {
            return;
        }

        lock (_switches)
        {
            if (version != _lastVersion)
            {
                _lastVersion = version;
                _switches.Add((_clock.Elapsed, version));
            }
        }
    }

    /// <summary>Stops the traffic and waits for the requests in flight; safe to call more than once.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync();
        await Task.WhenAll(_workers);
        _http.Dispose();
        _stop.Dispose();
    }
}
