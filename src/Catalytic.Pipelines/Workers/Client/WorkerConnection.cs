using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Catalytic.Contracts.Workers;
using Catalytic.Pipelines.Dispatch;
using Catalytic.Pipelines.Workers.Protocol;
using Catalytic.Runner.Hosting;

namespace Catalytic.Pipelines.Workers.Client;

/// <summary>The server could not be reached, or answered that it cannot serve now (5xx, 429): worth trying again later.</summary>
public sealed class WorkerServerUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The server refused a request for good (a 4xx other than a lost lease): the request will not succeed again.</summary>
public sealed class WorkerRefusedException(int status, string detail) : Exception($"the server refused: {status} {detail}")
{
    public int Status { get; } = status;
}

/// <summary>
/// The worker protocol's client (<see cref="WorkerRoutes"/>): the server's queue as an <see cref="IJobDispatcher"/>, so
/// a remote worker runs jobs with the same code an in-process one would, plus the artifact and cache routes and how
/// git reaches the server's repositories. Each call is one HTTP request; retrying is the caller's
/// (<see cref="WorkerRetry"/>): a failure to reach the server is a <see cref="WorkerServerUnavailableException"/>, a
/// refusal a <see cref="WorkerRefusedException"/>, and a lease the server no longer knows <see cref="LeaseVerdict.Revoked"/>.
/// </summary>
public sealed class WorkerConnection : IJobDispatcher, IDisposable
{
    /// <summary>How long a request other than a long poll may take before it counts as the server being away.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(60);

    private readonly HttpClient _http;
    private readonly TimeProvider _time;

    /// <param name="server">The server's URL (what <c>serve</c> prints and writes to server.json).</param>
    /// <param name="token">A worker token (or the server's own, on its machine).</param>
    /// <param name="name">The worker's name, sent with every request for the server's logs.</param>
    public WorkerConnection(Uri server, string token, string name, TimeProvider time, HttpMessageHandler? handler = null)
    {
        Server = new Uri(server.ToString().TrimEnd('/') + "/");
        Token = token;
        _time = time;
        _http = new HttpClient(handler ?? new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90) }) { BaseAddress = Server, Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        _http.DefaultRequestHeaders.Add(WorkerRoutes.WorkerHeader, name);
    }

    public Uri Server { get; }

    /// <summary>The credential (for git's requests; never logged).</summary>
    internal string Token { get; }

    /// <inheritdoc/>
    public async Task<JobAssignment?> AcquireAsync(WorkerInfo worker, TimeSpan wait, CancellationToken ct = default)
    {
        var body = new WorkerAcquireBody(worker.Name, worker.Labels, worker.Capacity, worker.Running, (int)Math.Ceiling(wait.TotalSeconds));
        using var response = await SendAsync(HttpMethod.Post, WorkerRoutes.Acquire[1..], Json(body, WorkerJson.Default.WorkerAcquireBody), wait + RequestTimeout, ct);
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            return null;
        }

        await ThrowUnlessOkAsync(response, ct);
        var view = await ReadAsync(response, WorkerJson.Default.WorkerAssignmentView, ct);
        return WorkerWire.FromView(view);
    }

    /// <inheritdoc/>
    public Task<LeaseVerdict> RenewAsync(string leaseId, CancellationToken ct = default) =>
        LeaseCallAsync(WorkerRoutes.LeasePath(leaseId, WorkerRoutes.Renew), new ByteArrayContent([]), ct);

    /// <inheritdoc/>
    public Task<LeaseVerdict> ReportAsync(string leaseId, long sequence, IReadOnlyList<WorkerMessage> messages, CancellationToken ct = default)
    {
        var elements = messages.Select(m => JsonSerializer.SerializeToElement(m, JobSpecJsonContext.Default.WorkerMessage)).ToList();
        return LeaseCallAsync(WorkerRoutes.LeasePath(leaseId, WorkerRoutes.Report), Json(new WorkerReportBody(sequence, elements), WorkerJson.Default.WorkerReportBody), ct);
    }

    /// <inheritdoc/>
    public Task CompleteAsync(string leaseId, JobOutcome outcome, CancellationToken ct = default)
    {
        var element = JsonSerializer.SerializeToElement(outcome, JobSpecJsonContext.Default.JobOutcome);
        return LeaseCallAsync(WorkerRoutes.LeasePath(leaseId, WorkerRoutes.Complete), Json(new WorkerCompleteBody(element), WorkerJson.Default.WorkerCompleteBody), ct);
    }

    /// <summary>
    /// What git needs to fetch from the server for <paramref name="lease"/>: the repository's URL and the environment
    /// carrying the credential and the lease as HTTP headers (never on a command line).
    /// </summary>
    public (string Url, IReadOnlyDictionary<string, string> Environment) Git(string repository, string lease) => (
        new Uri(Server, WorkerRoutes.GitPath(repository)).ToString(),
        new Dictionary<string, string>
        {
            ["GIT_CONFIG_COUNT"] = "2",
            ["GIT_CONFIG_KEY_0"] = "http.extraHeader",
            ["GIT_CONFIG_VALUE_0"] = "Authorization: Bearer " + Token,
            ["GIT_CONFIG_KEY_1"] = "http.extraHeader",
            ["GIT_CONFIG_VALUE_1"] = WorkerRoutes.LeaseHeader + ": " + lease,
        });

    /// <summary>Sends a request synchronously (the runner's artifact and cache stores are synchronous); the same failures as the asynchronous calls.</summary>
    internal HttpResponseMessage Send(HttpMethod method, string path, HttpContent? content, CancellationToken ct)
    {
        using var timeout = new CancellationTokenSource(RequestTimeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        using var request = new HttpRequestMessage(method, path) { Content = content };
        try
        {
            return _http.Send(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
        }
        catch (Exception e) when (Unreachable(e, ct))
        {
            throw new WorkerServerUnavailableException($"{method} {path}: {e.Message}", e);
        }
    }

    internal async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content, TimeSpan limit, CancellationToken ct)
    {
        using var timeout = new CancellationTokenSource(limit, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        using var request = new HttpRequestMessage(method, path) { Content = content };
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, linked.Token);
        }
        catch (Exception e) when (Unreachable(e, ct))
        {
            throw new WorkerServerUnavailableException($"{method} {path}: {e.Message}", e);
        }

        if ((int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            response.Dispose();
            throw new WorkerServerUnavailableException($"{method} {path}: {(int)response.StatusCode} {response.ReasonPhrase}");
        }

        return response;
    }

    /// <summary>Throws <see cref="WorkerRefusedException"/> (with the problem's detail) unless the answer is a success.</summary>
    internal static async Task ThrowUnlessOkAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if ((int)response.StatusCode >= 500 || response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            throw new WorkerServerUnavailableException($"{(int)response.StatusCode} {response.ReasonPhrase}");
        }

        if (!response.IsSuccessStatusCode)
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            throw new WorkerRefusedException((int)response.StatusCode, Detail(text));
        }
    }

    internal static async Task<T> ReadAsync<T>(HttpResponseMessage response, JsonTypeInfo<T> type, CancellationToken ct)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(ct);
            return await JsonSerializer.DeserializeAsync(stream, type, ct) ?? throw new WorkerRefusedException((int)response.StatusCode, "an empty answer");
        }
        catch (JsonException e)
        {
            throw new WorkerRefusedException((int)response.StatusCode, "an answer this worker cannot read: " + e.Message);
        }
        catch (IOException e)
        {
            throw new WorkerServerUnavailableException("the answer broke off: " + e.Message, e);
        }
    }

    internal static HttpContent Json<T>(T value, JsonTypeInfo<T> type)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(value, type));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    /// <summary>A problem document's detail (and field), or the start of the text.</summary>
    internal static string Detail(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            var detail = doc.RootElement.TryGetProperty("detail", out var d) ? d.GetString() : null;
            var field = doc.RootElement.TryGetProperty("field", out var f) ? f.GetString() : null;
            return field is null ? detail ?? text : $"{field}: {detail}";
        }
        catch (JsonException)
        {
            return text.Length > 300 ? text[..300] : text;
        }
    }

    /// <summary>A failure to reach the server, or its time limit, rather than the caller cancelling.</summary>
    private static bool Unreachable(Exception e, CancellationToken ct) =>
        e is HttpRequestException or IOException || (e is OperationCanceledException && !ct.IsCancellationRequested);

    private async Task<LeaseVerdict> LeaseCallAsync(string path, HttpContent content, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Post, path, content, RequestTimeout, ct);
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone)
        {
            // The lease lapsed and the job went to another worker, or it ended: stop, report nothing more.
            return LeaseVerdict.Revoked;
        }

        await ThrowUnlessOkAsync(response, ct);
        return WorkerWire.Verdict(await ReadAsync(response, WorkerJson.Default.LeaseAnswer, ct));
    }

    public void Dispose() => _http.Dispose();
}
