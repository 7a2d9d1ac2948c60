using System.Collections.Concurrent;
using Catalytic.Testing.Waiting;

namespace Catalytic.Testing.Http;

/// <summary>
/// Continuous load with a fixed number of connections (one HttpClient each): records every answer's status and the
/// version in its body, numbered in the order the requests were sent, and every socket error. "Sent after" a
/// <see cref="Mark"/> is what a test asserts on (every request sent after the switch went to v2), not a time.
/// Bounded: it stops when disposed, or after ten minutes should a test forget to (a bound far beyond any test's run,
/// so a slow machine never sees the load stop in the middle of a test). A request unanswered for two minutes counts as
/// a socket error: that is a request the edge lost, not one the machine was slow to serve (the 10 s bound it had
/// is within reach of a 2-core machine under a load of 40, where it turns a slow answer into a "failed request").
/// </summary>
public sealed class LoadGenerator : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new(TimeSpan.FromMinutes(10), RealTime.Clock);
    private readonly Task[] _workers;
    private long _sent;
    private int _disposed;

    /// <summary>Starts <paramref name="connections"/> loops of GET <paramref name="target"/>, each pausing <paramref name="pause"/> (real time, the load's shape) between requests.</summary>
    public LoadGenerator(Uri target, int connections, TimeSpan? pause = null)
    {
        _workers = [.. Enumerable.Range(0, connections).Select(_ => Task.Run(() => WorkAsync(target, pause ?? TimeSpan.Zero)))];
    }

    /// <summary>Every answer so far.</summary>
    public ConcurrentQueue<Sample> Samples { get; } = new();

    /// <summary>Every request that got no answer (connection refused, reset, timed out).</summary>
    public ConcurrentQueue<string> SocketErrors { get; } = new();

    /// <summary>How many requests were sent so far: every request numbered higher was sent after this call.</summary>
    public long Mark() => Interlocked.Read(ref _sent);

    /// <summary>The answers to requests sent after <paramref name="mark"/>.</summary>
    public IReadOnlyList<Sample> SentAfter(long mark) => [.. Samples.Where(s => s.Sent > mark)];

    /// <summary>Waits until at least <paramref name="count"/> answers matching <paramref name="match"/> (all when null) came in.</summary>
    public Task AnsweredAsync(int count, Func<Sample, bool>? match = null, string? what = null) =>
        Eventually.UntilAsync(() => Samples.Count(s => match?.Invoke(s) ?? true) >= count,
            () => $"{count} answer(s){(what is null ? "" : " " + what)}; got {Samples.Count} answers ({string.Join(", ", Samples.GroupBy(s => (s.Status, s.Version)).Select(g => $"{g.Count()}× {g.Key.Status} {g.Key.Version}"))}) and {SocketErrors.Count} socket errors");

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync();
        await Task.WhenAll(_workers);
        _stop.Dispose();
    }

    private async Task WorkAsync(Uri target, TimeSpan pause)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1, UseProxy = false }) { Timeout = TimeSpan.FromMinutes(2) };
        while (!_stop.IsCancellationRequested)
        {
            var sent = Interlocked.Increment(ref _sent);
            try
            {
                using var r = await http.GetAsync(target, _stop.Token);
                var body = await r.Content.ReadAsStringAsync(_stop.Token);
                Samples.Enqueue(new Sample(sent, (int)r.StatusCode, body.Split(' ')[0].Trim()));
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
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
                    await Task.Delay(pause, RealTime.Clock, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>One answer.</summary>
    /// <param name="Sent">The request's number in sending order (see <see cref="Mark"/>).</param>
    /// <param name="Version">The first word of the body (the test app answers its version).</param>
    public sealed record Sample(long Sent, int Status, string Version);
}
