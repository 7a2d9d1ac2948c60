using System.ComponentModel;
using System.Runtime.InteropServices;
using Catalytic.Platform.Linux;

namespace Catalytic.Runner.Processes;

/// <summary>
/// One thread for every spawned step: it waits in <c>epoll</c> on their pipes and pidfds and runs each one's handler
/// when it is ready (level-triggered, one read per wake so a chatty step cannot starve the others). A step costs no
/// thread of its own to start and never blocks a thread-pool thread.
/// </summary>
internal static unsafe class ProcessWatcher
{
    private const int MaxEvents = 64;

    private static readonly object Gate = new();
    private static readonly Dictionary<ulong, Action<ulong, byte[]>> Handlers = [];
    private static int _epoll = -1;
    private static ulong _lastToken;

    /// <summary>Calls <paramref name="onReady"/> on the watcher thread whenever <paramref name="fd"/> is readable (or at its end), until unwatched.</summary>
    /// <returns>The token that names the registration, also passed to the handler.</returns>
    public static ulong Watch(int fd, Action<ulong, byte[]> onReady)
    {
        ulong token;
        lock (Gate)
        {
            if (_epoll < 0)
            {
                var epoll = Epoll.Create();
                if (epoll < 0)
                {
                    throw new Win32Exception(Errno.Last, "cannot create the epoll instance that watches steps");
                }

                _epoll = epoll;
                new Thread(Loop, 256 * 1024) { IsBackground = true, Name = "catalytic steps" }.Start();
            }

            token = ++_lastToken;
            Handlers[token] = onReady;
        }

        if (Epoll.Add(_epoll, fd, Epoll.In, token) != 0)
        {
            var error = Errno.Last;
            lock (Gate)
            {
                Handlers.Remove(token);
            }

            throw new Win32Exception(error, "cannot watch a step's pipe");
        }

        return token;
    }

    /// <summary>Stops watching (on the watcher thread, from a handler, before the descriptor is closed).</summary>
    public static void Unwatch(ulong token, int fd)
    {
        _ = Epoll.Remove(_epoll, fd);
        lock (Gate)
        {
            Handlers.Remove(token);
        }
    }

    private static void Loop()
    {
        var buffer = new byte[16 * 1024];
        var events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * Epoll.EventSize));
        while (true)
        {
            var count = Epoll.Wait(_epoll, events, MaxEvents, -1);
            if (count < 0)
            {
                if (Errno.Last == Errno.EINTR)
                {
                    continue;
                }

                // Nothing sensible is left to do without epoll; steps' exits would go unnoticed, so fail loudly.
                Environment.FailFast($"epoll_wait failed watching steps: errno {Errno.Last}");
            }

            for (var i = 0; i < count; i++)
            {
                var token = Epoll.Data(events, i);
                Action<ulong, byte[]>? handler;
                lock (Gate)
                {
                    Handlers.TryGetValue(token, out handler);
                }

                // Absent: unwatched by an earlier handler of this same batch.
                handler?.Invoke(token, buffer);
            }
        }
    }
}
