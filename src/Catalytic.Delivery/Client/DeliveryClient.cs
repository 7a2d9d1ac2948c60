using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Catalytic.Delivery.Client;

/// <summary>A refusal or failure reported by the delivery API (or no server at all).</summary>
public sealed class DeliveryApiException(string message, int status, string? field = null, IReadOnlyList<string>? errors = null) : Exception(message)
{
    /// <summary>HTTP status; 0 when no server answered.</summary>
    public int Status { get; } = status;

    /// <summary>The request field at fault, when the server named one.</summary>
    public string? Field { get; } = field;

    /// <summary>Every detail line (e.g. each configuration error with line:column).</summary>
    public IReadOnlyList<string> Errors { get; } = errors ?? [];
}

/// <summary>
/// Client of a running `catalytic serve`, found through its state folder (server.json and the bearer token
/// beside it), so a CLI verb or the `catalytic/deploy@v1` workflow action needs no address or credentials.
/// </summary>
public sealed class DeliveryClient : IDisposable
{
    /// <summary>The message when no server runs for a state folder.</summary>
    public const string NoServer = "no catalytic server in this directory; start one with `catalytic serve`";

    /// <summary>File (in the state folder) holding the API address.</summary>
    public const string ServerFile = "server.json";

    /// <summary>File (in the state folder, mode 0600) holding the bearer token.</summary>
    public const string TokenFile = "server.token";

    private readonly HttpClient _http;
    private readonly HttpClient _stream;

    private DeliveryClient(Uri baseAddress, string token, TimeProvider time)
    {
        _http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        // Followed logs stream for as long as the caller wants; only the short calls get a timeout.
        _stream = new HttpClient { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
        _stream.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Time = time;
    }

    /// <summary>The API address.</summary>
    public Uri BaseAddress => _http.BaseAddress!;

    private TimeProvider Time { get; }

    /// <summary>Connects to the server of <paramref name="stateDirectory"/> (default .catalytic); throws <see cref="DeliveryApiException"/> (status 0) when none runs.</summary>
    public static DeliveryClient Connect(string stateDirectory = ".catalytic", TimeProvider? time = null)
    {
        var serverFile = Path.Combine(stateDirectory, ServerFile);
        var tokenFile = Path.Combine(stateDirectory, TokenFile);
        if (!File.Exists(serverFile) || !File.Exists(tokenFile))
        {
            throw new DeliveryApiException(NoServer, 0);
        }

        var info = JsonSerializer.Deserialize(File.ReadAllText(serverFile), DeliveryJson.Default.ServerInfo)
            ?? throw new DeliveryApiException(NoServer, 0);
        return new DeliveryClient(new Uri(info.Url), File.ReadAllText(tokenFile).Trim(), time ?? TimeProvider.System);
    }

    /// <summary>Starts a deployment; returns it as recorded (state pending).</summary>
    public Task<DeploymentView> DeployAsync(DeployBody body, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, "api/deployments", JsonContent.Create(body, DeliveryJson.Default.DeployBody), DeliveryJson.Default.DeploymentView, ct);

    /// <summary>A deployment with its events and approvals.</summary>
    public Task<DeploymentView> GetDeploymentAsync(string id, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Get, $"api/deployments/{Uri.EscapeDataString(id)}", null, DeliveryJson.Default.DeploymentView, ct);

    /// <summary>Approves the deployment waiting in (app, environment).</summary>
    public Task<DeploymentView> ApproveAsync(string app, string environment, string? id = null, string? by = null, string? comment = null, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"{EnvPath(app, environment)}/approve", JsonContent.Create(new DecisionBody(id, by, comment), DeliveryJson.Default.DecisionBody), DeliveryJson.Default.DeploymentView, ct);

    /// <summary>Rejects the deployment waiting in (app, environment).</summary>
    public Task<DeploymentView> RejectAsync(string app, string environment, string? id = null, string? by = null, string? comment = null, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"{EnvPath(app, environment)}/reject", JsonContent.Create(new DecisionBody(id, by, comment), DeliveryJson.Default.DecisionBody), DeliveryJson.Default.DeploymentView, ct);

    /// <summary>Rolls (app, environment) back (to <paramref name="to"/> or the previous release).</summary>
    public Task<DeploymentView> RollbackAsync(string app, string environment, string? to = null, string? by = null, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"{EnvPath(app, environment)}/rollback", JsonContent.Create(new RollbackBody(to, by), DeliveryJson.Default.RollbackBody), DeliveryJson.Default.DeploymentView, ct);

    /// <summary>Live versions, instances, traffic and history.</summary>
    public Task<StatusView> StatusAsync(string? app = null, string? environment = null, CancellationToken ct = default)
    {
        var q = new List<string>();
        if (app is not null)
        {
            q.Add("app=" + Uri.EscapeDataString(app));
        }

        if (environment is not null)
        {
            q.Add("environment=" + Uri.EscapeDataString(environment));
        }

        return SendAsync(HttpMethod.Get, "api/status" + (q.Count > 0 ? "?" + string.Join("&", q) : ""), null, DeliveryJson.Default.StatusView, ct);
    }

    /// <summary>
    /// Polls a deployment until it is terminal or (unless <paramref name="throughGates"/>) waits for approval,
    /// reporting each new event once through <paramref name="onEvent"/>. Events before <paramref name="skipEvents"/>
    /// (those a caller already reported from an earlier wait) are not reported again.
    /// </summary>
    public async Task<DeploymentView> WaitAsync(string id, Action<EventView>? onEvent = null, bool throughGates = false, CancellationToken ct = default, int skipEvents = 0)
    {
        var seen = skipEvents;
        while (true)
        {
            var d = await GetDeploymentAsync(id, ct);
            var events = d.Events ?? [];
            for (; seen < events.Count; seen++)
            {
                onEvent?.Invoke(events[seen]);
            }

            if (d.IsTerminal || (d.IsWaiting && !throughGates))
            {
                return d;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), Time, ct);
        }
    }

    /// <summary>
    /// Deploys and waits for the end or a gate: the entry point of the `catalytic/deploy@v1` action.
    /// The returned view's <see cref="ExitCode"/> is 0 (succeeded), 1 (failed, rolled back, rejected) or 3 (waiting for approval).
    /// </summary>
    public async Task<DeploymentView> DeployAndWaitAsync(DeployBody body, Action<EventView>? onEvent = null, CancellationToken ct = default)
    {
        var started = await DeployAsync(body, ct);
        return await WaitAsync(started.Id, onEvent, throughGates: false, ct);
    }

    /// <summary>The CLI exit code for a deployment: 0 succeeded, 3 waiting for approval, 1 anything else.</summary>
    public static int ExitCode(DeploymentView d) => d.State switch
    {
        "succeeded" => 0,
        "waiting-for-approval" => 3,
        _ => 1,
    };

    /// <summary>Log lines of (app, environment)'s instances; with <paramref name="follow"/> keeps streaming until cancelled.</summary>
    public async IAsyncEnumerable<string> LogsAsync(string app, string environment, bool follow, int tail = 100, [EnumeratorCancellation] CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{EnvPath(app, environment)}/logs?follow={(follow ? "true" : "false")}&tail={tail}");
        using var response = await SendRawAsync(request, HttpCompletionOption.ResponseHeadersRead, follow ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(30), ct);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            yield return line;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _http.Dispose();
        _stream.Dispose();
    }

    private static string EnvPath(string app, string environment) => $"api/apps/{Uri.EscapeDataString(app)}/environments/{Uri.EscapeDataString(environment)}";

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        using var response = await SendRawAsync(request, HttpCompletionOption.ResponseContentRead, null, ct);
        return (await response.Content.ReadFromJsonAsync(type, ct))!;
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, HttpCompletionOption completion, TimeSpan? timeout, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            if (timeout is { } t && t != Timeout.InfiniteTimeSpan)
            {
                cts.CancelAfter(t);
            }

            response = await (timeout == Timeout.InfiniteTimeSpan ? _stream : _http).SendAsync(request, completion, cts.Token);
        }
        catch (HttpRequestException e) when (e.InnerException is System.Net.Sockets.SocketException || e.HttpRequestError == HttpRequestError.ConnectionError)
        {
            throw new DeliveryApiException(NoServer, 0);
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            ProblemView? problem = null;
            try
            {
                problem = await response.Content.ReadFromJsonAsync(DeliveryJson.Default.ProblemView, ct);
            }
            catch (JsonException)
            {
            }

            var message = problem?.Detail ?? problem?.Title ?? $"the server answered {(int)response.StatusCode} {response.ReasonPhrase}";
            throw response.StatusCode == HttpStatusCode.Unauthorized
                ? new DeliveryApiException("the server refused the token in .catalytic/server.token; restart `catalytic serve`", 401)
                : new DeliveryApiException(message, (int)response.StatusCode, problem?.Field, problem?.Errors);
        }
    }
}
