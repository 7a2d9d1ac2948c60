using System.Collections.Concurrent;
using Catalytic.Platform.Linux;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Catalytic.Edge.Transport;

/// <summary>Something registered with an <see cref="EventLoop"/>: told the epoll events of its file descriptor.</summary>
internal interface IEventHandler
{
    void OnEvents(uint events);
}

/// <summary>
/// One epoll instance and the thread that waits on it — the edge's I/O loop, as nginx has one per worker. Sockets are
/// registered edge-triggered once, for reading and writing; the continuation of an operation a readiness event
/// completes runs right here, on the loop thread, instead of being handed to the thread pool (a context switch and a
/// futex wake per operation otherwise).
/// </summary>
internal sealed unsafe class EventLoop
{
    private const int MaxEvents = 256;

    private static readonly Lazy<EventLoop[]> SharedLoops = new(() =>
        [.. Enumerable.Range(0, LoopCount()).Select(i => new EventLoop(i))]);

    [ThreadStatic]
    private static EventLoop? t_current;

    private static int _next;

    private readonly int _epoll;
    private readonly ConcurrentDictionary<long, IEventHandler> _handlers = new();
    private long _ids;

    private EventLoop(int index)
    {
        Index = index;
        _epoll = Epoll.Create();
        if (_epoll < 0)
        {
            throw new IOException($"epoll_create1 failed (errno {Epoll.LastError})");
        }

        var thread = new Thread(Run) { IsBackground = true, Name = $"catalytic-edge-io-{index}" };
        thread.UnsafeStart();
    }

    private static ILogger _log = NullLogger.Instance;

    /// <summary>
    /// Where the loops report what they could not hand to anyone (a continuation that threw, a failed accept). The loops
    /// are the process's, not one host's, so this is too: the last <see cref="Proxy.EdgeHost"/> given a logger sets it.
    /// </summary>
    public static ILogger Log
    {
        get => Volatile.Read(ref _log);
        set => Volatile.Write(ref _log, value);
    }

    /// <summary>The loop whose thread is running, or null on any other thread.</summary>
    public static EventLoop? Current => t_current;

    /// <summary>Position in <see cref="All"/>.</summary>
    public int Index { get; }

    /// <summary>The process's loops (one per core, at most four: the edge's work per event is small).</summary>
    public static IReadOnlyList<EventLoop> All => SharedLoops.Value;

    /// <summary>The next loop, round robin: new connections are spread over the loops.</summary>
    public static EventLoop Next()
    {
        var loops = SharedLoops.Value;
        return loops[(int)((uint)Interlocked.Increment(ref _next) % (uint)loops.Length)];
    }

    private static int LoopCount()
    {
        var configured = Environment.GetEnvironmentVariable("CATALYTIC_EDGE_IO_THREADS");
        return int.TryParse(configured, out var n) && n is > 0 and <= 64 ? n : Math.Clamp(Environment.ProcessorCount, 1, 4);
    }

    /// <summary>Registers <paramref name="fd"/> (edge-triggered) and returns the id its events carry.</summary>
    public long Register(int fd, IEventHandler handler, uint events)
    {
        var id = Interlocked.Increment(ref _ids);
        _handlers[id] = handler;
        if (Epoll.Add(_epoll, fd, events | Epoll.EdgeTriggered, (ulong)id) != 0)
        {
            var errno = Epoll.LastError;
            _handlers.TryRemove(id, out _);
            throw new IOException($"epoll_ctl(ADD) failed (errno {errno})");
        }

        return id;
    }

    /// <summary>Forgets a registration; the descriptor leaves the epoll set when it is closed (or here, explicitly).</summary>
    public void Unregister(long id, int fd)
    {
        if (fd >= 0)
        {
            Epoll.Remove(_epoll, fd);
        }

        _handlers.TryRemove(id, out _);
    }

    private void Run()
    {
        t_current = this;
        var events = stackalloc byte[MaxEvents * Epoll.EventSize];
        while (true)
        {
            var n = Epoll.Wait(_epoll, events, MaxEvents, -1);
            if (n < 0)
            {
                if (Epoll.LastError == Errno.EINTR)
                {
                    continue;
                }

                Environment.FailFast($"catalytic edge: epoll_wait failed (errno {Epoll.LastError})");
            }

            for (var i = 0; i < n; i++)
            {
                var id = (long)Epoll.Data(events, i);
                if (_handlers.TryGetValue(id, out var handler))
                {
                    try
                    {
                        handler.OnEvents(Epoll.Events(events, i));
                    }
                    catch (Exception e)
                    {
                        // A continuation that throws must not take the loop (and every connection on it) down.
                        EdgeLog.ContinuationFailed(Log, Index, e);
                    }
                }
            }
        }
    }
}
