using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;

namespace Catalytic.Testing.Network;

/// <summary>
/// A real git server over HTTP on loopback: <see cref="HttpListener"/> passing each request to <c>git http-backend</c>
/// (CGI) for the bare repositories under a folder, optionally demanding one <c>Authorization</c> header (401
/// otherwise, as a private repository answers), with an access log of "METHOD /path?query STATUS" lines.
/// </summary>
public sealed class GitHttpServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<string> _log = new();
    private readonly string _root;
    private readonly string? _authorization;

    private GitHttpServer(string root, string? authorization, int port)
    {
        _root = root;
        _authorization = authorization;
        Url = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Url + "/");
    }

    /// <summary>The base URL; a repository is <c>URL/OWNER/REPO</c>.</summary>
    public string Url { get; }

    /// <summary>Each request: method, path and query, status; and the Authorization header it carried, if any.</summary>
    public IReadOnlyList<string> Log => [.. _log];

    /// <summary>Serves <paramref name="root"/>; with <paramref name="basicUser"/>/<paramref name="basicPassword"/>, only requests carrying them.</summary>
    public static GitHttpServer Start(string root, string? basicUser = null, string? basicPassword = null)
    {
        var auth = basicUser is null ? null : "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{basicUser}:{basicPassword}"));
        var server = new GitHttpServer(root, auth, Ports.FreeTcpPort());
        server._listener.Start();
        _ = server.ServeAsync();
        return server;
    }

    /// <inheritdoc/>
    public void Dispose() => _listener.Close();

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var given = request.Headers["Authorization"];
        var line = $"{request.HttpMethod} {request.Url!.PathAndQuery}";
        try
        {
            if (_authorization is not null && given != _authorization)
            {
                response.StatusCode = 401;
                response.AddHeader("WWW-Authenticate", "Basic realm=\"git\"");
                _log.Enqueue($"{line} 401 auth={given ?? "none"}");
                return;
            }

            var psi = new ProcessStartInfo("git") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add("http-backend");
            psi.Environment["GIT_PROJECT_ROOT"] = _root;
            psi.Environment["GIT_HTTP_EXPORT_ALL"] = "1";
            psi.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
            psi.Environment["GIT_CONFIG_GLOBAL"] = "/dev/null";
            psi.Environment["REQUEST_METHOD"] = request.HttpMethod;
            psi.Environment["PATH_INFO"] = request.Url.AbsolutePath;
            psi.Environment["QUERY_STRING"] = request.Url.Query.TrimStart('?');
            psi.Environment["CONTENT_TYPE"] = request.ContentType ?? "";
            psi.Environment["REMOTE_ADDR"] = "127.0.0.1";
            if (request.Headers["Git-Protocol"] is { } protocol)
            {
                psi.Environment["GIT_PROTOCOL"] = protocol;
            }

            if (request.Headers["Content-Encoding"] is { } encoding)
            {
                psi.Environment["HTTP_CONTENT_ENCODING"] = encoding;
            }

            using var process = Process.Start(psi)!;
            var output = new MemoryStream();
            var copyOut = process.StandardOutput.BaseStream.CopyToAsync(output);
            var errors = process.StandardError.ReadToEndAsync();
            await request.InputStream.CopyToAsync(process.StandardInput.BaseStream);
            process.StandardInput.Close();
            await copyOut;
            await errors;
            await process.WaitForExitAsync();
            var bytes = output.ToArray();
            var split = IndexOf(bytes, "\r\n\r\n"u8) is var a and >= 0 ? (a, 4) : (IndexOf(bytes, "\n\n"u8), 2);
            if (split.Item1 < 0)
            {
                response.StatusCode = 500;
                _log.Enqueue($"{line} 500 (git http-backend: {await errors})");
                return;
            }

            var head = Encoding.ASCII.GetString(bytes, 0, split.Item1);
            foreach (var header in head.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var colon = header.IndexOf(':', StringComparison.Ordinal);
                var (name, value) = (header[..colon], header[(colon + 1)..].Trim());
                if (name.Equals("Status", StringComparison.OrdinalIgnoreCase))
                {
                    response.StatusCode = int.Parse(value.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
                }
                else
                {
                    response.AddHeader(name, value);
                }
            }

            _log.Enqueue($"{line} {response.StatusCode}");
            var body = bytes.AsMemory(split.Item1 + split.Item2);
            await response.OutputStream.WriteAsync(body);
        }
        finally
        {
            response.Close();
        }
    }

    private static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle);
}
