using System.Collections.Concurrent;
using System.Diagnostics;

namespace Catalytic.Delivery.Tests.Support;

/// <summary>
/// Continuous load through the edge with a fixed number of connections (one HttpClient each); records every
/// response's status and version with its time, and every socket error. Bounded: it stops when disposed or after 2 minutes.
/// </summary>
public sealed class LoadGenerator : IAsyncDisposable
{
    private readonly CancellationTokenSource _cts = new(TimeSpan.FromMinutes(2));
    private readonly Task[] _workers;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public LoadGenerator(Uri target, int connections, TimeSpan? pause = null)
    {
        _workers = [.. Enumerable.Range(0, connections).Select(_ => Task.Run(() => WorkAsync(target, pause ?? TimeSpan.Zero)))];
    }

    public ConcurrentQueue<Sample> Samples { get; } = new();

    public ConcurrentQueue<string> SocketErrors { get; } = new();

    /// <summary>Time since the load started.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    public IReadOnlyList<Sample> Since(TimeSpan at) => [.. Samples.Where(s => s.At >= at)];

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _cts.CancelAsync();
        await Task.WhenAll(_workers);
        _cts.Dispose();
    }

    private int _disposed;

    private async Task WorkAsync(Uri target, TimeSpan pause)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1, UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
        while (!_cts.IsCancellationRequested)
        {
            try
            {
                using var r = await http.GetAsync(target, _cts.Token);
                var body = await r.Content.ReadAsStringAsync(_cts.Token);
                Samples.Enqueue(new Sample(_clock.Elapsed, (int)r.StatusCode, body.Split(' ')[0].Trim()));
            }
            catch (OperationCanceledException) when (_cts.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                SocketErrors.Enqueue(e.Message);
            }

            if (pause > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(pause, _cts.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    public sealed record Sample(TimeSpan At, int Status, string Version);
}
