using System.Collections.Concurrent;
using System.Diagnostics;
using Catalytic.Testing.Files;
using Catalytic.Testing.Waiting;

namespace Catalytic.Testing.Network;

/// <summary>
/// A real git server on loopback: <c>git daemon</c> serving the bare repositories under a temporary folder as
/// <c>git://127.0.0.1:PORT/OWNER/REPO</c>, with its access log (<c>--verbose</c>, one "Request upload-pack for
/// '/owner/repo'" line per fetch or ls-remote) kept for tests that must show what was, or was not, fetched.
/// </summary>
public sealed class GitDaemon : IDisposable
{
    private readonly TempFolder _root = new("git-daemon");
    private readonly ConcurrentQueue<string> _log = new();
    private Process? _process;

    private GitDaemon()
    {
    }

    /// <summary>The base URL (<c>git://127.0.0.1:PORT</c>); a repository is <c>BASE/OWNER/REPO</c>.</summary>
    public string Url { get; private set; } = "";

    /// <summary>The folder of the bare repositories (<c>OWNER/REPO</c>), for serving them another way too (<see cref="GitHttpServer"/>).</summary>
    public string Root => _root.Path;

    /// <summary>Every line the daemon logged so far.</summary>
    public IReadOnlyList<string> Log => [.. _log];

    /// <summary>The repositories asked for so far, one entry per request ("/owner/repo"), in order.</summary>
    public IReadOnlyList<string> Requests =>
        [.. _log.Where(l => l.Contains("Request upload-pack for '", StringComparison.Ordinal)).Select(l => l[(l.IndexOf('\'', StringComparison.Ordinal) + 1)..].TrimEnd('\''))];

    /// <summary>Starts a daemon on a free loopback port and waits until it accepts connections.</summary>
    public static async Task<GitDaemon> StartAsync()
    {
        var daemon = new GitDaemon();
        await daemon.StartProcessAsync();
        return daemon;
    }

    /// <summary>
    /// Publishes <paramref name="source"/>'s branch main and all its tags as <paramref name="owner"/>/<paramref name="repo"/>
    /// (creating the bare repository the first time; a moved tag is pushed moved).
    /// </summary>
    public async Task PublishAsync(string owner, string repo, TempGitRepository source)
    {
        var bare = Path.Combine(_root.Path, owner, repo);
        if (!Directory.Exists(bare))
        {
            Directory.CreateDirectory(bare);
            await source.GitAsync("init", "-q", "--bare", bare);
        }

        await source.GitAsync("push", "-q", "--force", bare, "main", "--tags");
    }

    /// <summary>Stops the server (a later fetch finds nobody listening).</summary>
    public void Stop()
    {
        if (_process is { } p)
        {
            try
            {
                p.Kill(entireProcessTree: true);
                Eventually.CompletesAsync(p.WaitForExitAsync(), "git daemon to die of SIGKILL").GetAwaiter().GetResult();
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            p.Dispose();
            _process = null;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Stop();
        _root.Dispose();
    }

    private async Task StartProcessAsync()
    {
        var port = Ports.FreeTcpPort();
        var psi = new ProcessStartInfo("git") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[]
                 {
                     "daemon", "--reuseaddr", "--verbose", "--export-all", "--log-destination=stderr", "--listen=127.0.0.1",
                     $"--port={port}", $"--base-path={_root.Path}", _root.Path,
                 })
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        psi.Environment["GIT_CONFIG_GLOBAL"] = "/dev/null";
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _process = new Process { StartInfo = psi };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                _log.Enqueue(line);
                if (line.Contains("Ready to rumble", StringComparison.Ordinal))
                {
                    ready.TrySetResult();
                }
            }
        };
        _process.Start();
        _process.BeginErrorReadLine();
        Url = $"git://127.0.0.1:{port}";
        await Eventually.CompletesAsync(ready.Task, $"git daemon on port {port} to say it is ready (log: {string.Join(" | ", _log)})");
    }
}
