using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Catalytic.Platform.Text;
using Catalytic.Status.Config;
using DnsClient;

namespace Catalytic.Status.Checks.Probes;

/// <summary>Runs one probe of a check and reports what it saw; never throws for what the network does.</summary>
public interface IProbe
{
    /// <summary>Probes <paramref name="check"/> once, within its timeout.</summary>
    Task<ProbeResult> ProbeAsync(CheckConfig check, CancellationToken ct);
}

/// <summary>Picks the probe for a check's URL scheme (http/https, tcp, tls, dns).</summary>
public sealed class ProbeSet(TimeProvider time) : IProbe, IDisposable
{
    private readonly HttpProbe _http = new(time);
    private readonly SocketProbe _socket = new(time);
    private readonly DnsProbe _dns = new(time);

    /// <inheritdoc/>
    public Task<ProbeResult> ProbeAsync(CheckConfig check, CancellationToken ct) => check.Kind switch
    {
        CheckKind.Http => _http.ProbeAsync(check, ct),
        CheckKind.Dns => _dns.ProbeAsync(check, ct),
        _ => _socket.ProbeAsync(check, ct),
    };

    /// <inheritdoc/>
    public void Dispose() => _http.Dispose();

    /// <summary>A token that cancels after <paramref name="timeout"/> on <paramref name="time"/>, or with <paramref name="ct"/>.</summary>
    internal static Deadline Deadline(TimeSpan timeout, TimeProvider time, CancellationToken ct) => new(timeout, time, ct);

    internal static string Describe(Exception e, bool timedOut, TimeSpan timeout) => timedOut
        ? $"timed out after {Durations.Format(timeout)}"
        : e switch
        {
            HttpRequestException { InnerException: SocketException s } => s.SocketErrorCode == SocketError.ConnectionRefused ? "connection refused" : s.Message,
            SocketException s => s.SocketErrorCode == SocketError.ConnectionRefused ? "connection refused" : s.Message,
            System.Security.Authentication.AuthenticationException a => "TLS handshake failed: " + a.Message,
            _ => e.Message,
        };
}

/// <summary>A timeout on the injected clock linked to a caller's token; disposing it stops its timer.</summary>
internal sealed class Deadline : IDisposable
{
    private readonly CancellationTokenSource _timeout;
    private readonly CancellationTokenSource _linked;

    public Deadline(TimeSpan timeout, TimeProvider time, CancellationToken ct)
    {
        _timeout = new CancellationTokenSource(timeout, time);
        _linked = CancellationTokenSource.CreateLinkedTokenSource(ct, _timeout.Token);
    }

    public CancellationToken Token => _linked.Token;

    /// <summary>True when the timeout (not the caller) ended the wait.</summary>
    public bool IsCancellationRequested => _timeout.IsCancellationRequested;

    public void Dispose()
    {
        _linked.Dispose();
        _timeout.Dispose();
    }
}

/// <summary>
/// HTTP(S): one shared <see cref="SocketsHttpHandler"/> (pooled keep-alive connections, so 10,000 checks of one
/// server reuse a handful of sockets). The certificate of an https server is read when a connection is made and
/// remembered per host:port, because a pooled connection does not show it again.
/// </summary>
public sealed class HttpProbe : IDisposable
{
    /// <summary>The most of a body read (1 MiB): enough for any health document, bounded against a hostile server.</summary>
    public const int MaxBody = 1 << 20;

    private readonly TimeProvider _time;
    private readonly HttpClient _client;
    private readonly HttpClient _insecure;
    private readonly Dictionary<string, DateTimeOffset> _notAfter = [];
    private readonly Lock _lock = new();

    /// <summary>Creates the shared clients.</summary>
    public HttpProbe(TimeProvider time)
    {
        _time = time;
        _client = new HttpClient(Handler(insecure: false), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        _insecure = new HttpClient(Handler(insecure: true), disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
    }

    private SocketsHttpHandler Handler(bool insecure) => new()
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        MaxConnectionsPerServer = 64,
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.All,
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (sender, cert, _, errors) =>
            {
                if (cert is not null && sender is HttpRequestMessage { RequestUri: { } u })
                {
                    var notAfter = (cert as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(cert.GetRawCertData())).NotAfter;
                    lock (_lock)
                    {
                        _notAfter[u.Authority] = new DateTimeOffset(notAfter.ToUniversalTime(), TimeSpan.Zero);
                    }
                }

                return insecure || errors == SslPolicyErrors.None;
            },
        },
    };

    /// <summary>Requests the check's URL with its method, headers and body.</summary>
    public async Task<ProbeResult> ProbeAsync(CheckConfig check, CancellationToken ct)
    {
        using var deadline = ProbeSet.Deadline(check.Timeout, _time, ct);
        var started = _time.GetTimestamp();
        using var request = new HttpRequestMessage(new HttpMethod(check.Method), check.Url);
        foreach (var (k, v) in check.Headers)
        {
            if (!request.Headers.TryAddWithoutValidation(k, v))
            {
                request.Content ??= new StringContent(check.Body ?? "");
                request.Content.Headers.TryAddWithoutValidation(k, v);
            }
        }

        if (check.Body is not null && request.Content is null)
        {
            request.Content = new StringContent(check.Body);
        }

        try
        {
            using var response = await (check.Insecure ? _insecure : _client).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
            var body = await ReadBodyAsync(response, deadline.Token);
            var elapsed = _time.GetElapsedTime(started);
            TimeSpan? left = null;
            if (check.Url.Scheme == Uri.UriSchemeHttps)
            {
                lock (_lock)
                {
                    left = _notAfter.TryGetValue(check.Url.Authority, out var na) ? na - _time.GetUtcNow() : null;
                }
            }

            return new ProbeResult { Status = (int)response.StatusCode, ResponseTime = elapsed, Body = body, Connected = true, CertificateExpiration = left, Ip = check.Url.Host };
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException && !ct.IsCancellationRequested)
        {
            return new ProbeResult
            {
                ResponseTime = _time.GetElapsedTime(started),
                Connected = e is OperationCanceledException or IOException, // a timeout or a broken answer came after a connection
                Error = ProbeSet.Describe(e, deadline.IsCancellationRequested, check.Timeout),
            };
        }
    }

    private static async Task<string> ReadBodyAsync(HttpResponseMessage response, CancellationToken ct)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[Math.Min(MaxBody, (int?)response.Content.Headers.ContentLength + 1 ?? 8192)];
        var n = 0;
        while (n < MaxBody)
        {
            if (n == buffer.Length)
            {
                Array.Resize(ref buffer, Math.Min(MaxBody, buffer.Length * 2));
            }

            var read = await stream.ReadAsync(buffer.AsMemory(n, buffer.Length - n), ct);
            if (read == 0)
            {
                break;
            }

            n += read;
        }

        return System.Text.Encoding.UTF8.GetString(buffer, 0, n);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _client.Dispose();
        _insecure.Dispose();
    }
}

/// <summary>tcp://host:port (a connection) and tls://host:port (a connection and a TLS handshake, certificate read).</summary>
public sealed class SocketProbe(TimeProvider time)
{
    /// <summary>Connects, and for tls:// shakes hands and reads the certificate's expiry.</summary>
    public async Task<ProbeResult> ProbeAsync(CheckConfig check, CancellationToken ct)
    {
        using var deadline = ProbeSet.Deadline(check.Timeout, time, ct);
        var started = time.GetTimestamp();
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(check.Url.Host, check.Url.Port, deadline.Token);
            var ip = (socket.RemoteEndPoint as IPEndPoint)?.Address.ToString();
            if (check.Kind != CheckKind.Tls)
            {
                return new ProbeResult { Connected = true, ResponseTime = time.GetElapsedTime(started), Ip = ip };
            }

            await using var stream = new NetworkStream(socket, ownsSocket: false);
            X509Certificate2? seen = null;
            await using var tls = new SslStream(stream, leaveInnerStreamOpen: true, (_, cert, _, _) =>
            {
                seen = cert is null ? null : cert as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(cert.GetRawCertData());
                return true; // the check judges the certificate through its conditions, not the handshake
            });
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = check.Url.Host }, deadline.Token);
            TimeSpan? left = seen is null ? null : new DateTimeOffset(seen.NotAfter.ToUniversalTime(), TimeSpan.Zero) - time.GetUtcNow();
            return new ProbeResult { Connected = true, ResponseTime = time.GetElapsedTime(started), Ip = ip, CertificateExpiration = left };
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or IOException or System.Security.Authentication.AuthenticationException && !ct.IsCancellationRequested)
        {
            return new ProbeResult
            {
                Connected = socket.Connected,
                ResponseTime = time.GetElapsedTime(started),
                Error = ProbeSet.Describe(e, deadline.IsCancellationRequested, check.Timeout),
            };
        }
    }
}

/// <summary>dns://server[:port]/name: one query (type from the check, A by default) through DnsClient.</summary>
public sealed class DnsProbe(TimeProvider time)
{
    /// <summary>Asks the server and reports the response code and the first answer.</summary>
    public async Task<ProbeResult> ProbeAsync(CheckConfig check, CancellationToken ct)
    {
        var started = time.GetTimestamp();
        var port = check.Url.IsDefaultPort || check.Url.Port <= 0 ? 53 : check.Url.Port;
        var server = IPAddress.TryParse(check.Url.Host, out var ip) ? ip : (await Dns.GetHostAddressesAsync(check.Url.Host, ct))[0];
        var lookup = new LookupClient(new LookupClientOptions(new IPEndPoint(server, port))
        {
            UseCache = false,
            Retries = 0,
            Timeout = check.Timeout,
            UseTcpFallback = true,
            ThrowDnsErrors = false,
        });
        using var deadline = ProbeSet.Deadline(check.Timeout, time, ct);
        try
        {
            var type = Enum.TryParse<QueryType>(check.DnsQueryType, ignoreCase: true, out var t) ? t : QueryType.A;
            var answer = await lookup.QueryAsync(check.Url.AbsolutePath.Trim('/'), type, QueryClass.IN, deadline.Token);
            var first = answer.Answers.ARecords().Select(a => a.Address.ToString())
                .Concat(answer.Answers.AaaaRecords().Select(a => a.Address.ToString())).FirstOrDefault();
            return new ProbeResult
            {
                Connected = true,
                ResponseTime = time.GetElapsedTime(started),
                DnsRcode = Rcode(answer.Header.ResponseCode),
                Ip = first,
                Body = string.Join('\n', answer.Answers.Select(a => a.ToString())),
            };
        }
        catch (Exception e) when (e is DnsResponseException or OperationCanceledException or SocketException && !ct.IsCancellationRequested)
        {
            return new ProbeResult { ResponseTime = time.GetElapsedTime(started), Error = ProbeSet.Describe(e, deadline.IsCancellationRequested, check.Timeout) };
        }
    }

    private static string Rcode(DnsHeaderResponseCode c) => c switch
    {
        DnsHeaderResponseCode.NoError => "NOERROR",
        DnsHeaderResponseCode.FormatError => "FORMERR",
        DnsHeaderResponseCode.ServerFailure => "SERVFAIL",
        DnsHeaderResponseCode.NotExistentDomain => "NXDOMAIN",
        DnsHeaderResponseCode.NotImplemented => "NOTIMP",
        DnsHeaderResponseCode.Refused => "REFUSED",
        _ => c.ToString().ToUpperInvariant(),
    };
}
