using System.Net.Http.Headers;

namespace Catalytic.Cli.Commands.Demo;

/// <summary>
/// Continuous traffic against one edge address while a deployment runs: every response is counted, and any
/// non-2xx status or socket error is a failed request. Records which version answered each request, by the time the
/// request was sent, so the summary can show the switch (in the order answers arrive, a request in flight on the old
/// release when traffic moved would look like a switch back).
/// </summary>
internal sealed class DemoLoad : IAsyncDisposable
{
    private readonly Uri _url;
    private readonly int _connections;
    private readonly CancellationTokenSource _stop = new();
    private readonly HttpClient _http;
    private readonly List<Task> _workers = [];
    private readonly List<(TimeSpan Sent, string Version)> _answers = [];
    private readonly TimeProvider _time;
    private readonly long _started;
    private long _requests;
    private int _disposed;
    private long _failed;
    private string? _firstFailure;

    private readonly TimeSpan _pause;

    /// <param name="pause">The pause between two requests of one connection: the demo wants steady traffic, not a benchmark that starves the pipeline of CPU.</param>
    public DemoLoad(Uri url, int connections, TimeSpan pause, TimeProvider time)
    {
        _time = time;
        _started = time.GetTimestamp();
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

    /// <summary>The versions that answered, in the order the requests were sent, each with the time the first request it answered after another version was sent.</summary>
    public IReadOnlyList<(TimeSpan At, string Version)> Switches
    {
        get
        {
            List<(TimeSpan Sent, string Version)> answers;
            lock (_answers)
            {
                answers = [.. _answers];
            }

            return SwitchesOf(answers);
        }
    }

    /// <summary>The changes of version in <paramref name="answers"/> (in any order), by the time each request was sent.</summary>
    internal static IReadOnlyList<(TimeSpan At, string Version)> SwitchesOf(IEnumerable<(TimeSpan Sent, string Version)> answers)
    {
        var switches = new List<(TimeSpan At, string Version)>();
        foreach (var (sent, version) in answers.OrderBy(a => a.Sent))
        {
            if (switches.Count == 0 || switches[^1].Version != version)
            {
                switches.Add((sent, version));
            }
        }

        return switches;
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
                var sent = _time.GetElapsedTime(_started);
                using var response = await _http.GetAsync(_url, HttpCompletionOption.ResponseContentRead, ct);
                Interlocked.Increment(ref _requests);
                if (!response.IsSuccessStatusCode)
                {
                    Fail($"HTTP {(int)response.StatusCode} from {_url}");
                }
                else if (response.Headers.TryGetValues("X-Catalytic-Version", out var values))
                {
                    Seen(sent, values.First());
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
                await Task.Delay(_pause, _time, ct);
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

    private void Seen(TimeSpan sent, string version)
    {
        lock (_answers)
        {
            _answers.Add((sent, version));
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
