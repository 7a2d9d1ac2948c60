using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Catalytic.Contracts.Deployments;
using Catalytic.Contracts.Json;
using Catalytic.Contracts.Problems;
using Catalytic.Contracts.Server;
using Catalytic.Contracts.Status;
using Catalytic.Delivery.Time;

namespace Catalytic.Cli.Client;

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
/// Every request's timeout runs on the given clock; the HTTP client's own (system-clock) timeout is off.
/// </summary>
public sealed class DeliveryClient : IDisposable
{
    /// <summary>The message when no server runs for a state folder.</summary>
    public const string NoServer = "no catalytic server in this directory; start one with `catalytic serve`";

    /// <summary>How long a short call (everything but followed logs) may take.</summary>
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    /// <summary>How often <see cref="WaitAsync"/> asks for the deployment again.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    private readonly HttpClient _http;
    private readonly TimeProvider _time;

    private DeliveryClient(Uri baseAddress, string token, TimeProvider time)
    {
        _http = new HttpClient { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        _time = time;
    }

    /// <summary>The API address.</summary>
    public Uri BaseAddress => _http.BaseAddress!;

    /// <summary>
    /// Connects to the server of <paramref name="stateDirectory"/>; throws <see cref="DeliveryApiException"/> (status 0)
    /// when none runs. <paramref name="time"/> runs the timeouts and polls (a verb passes the system clock, the workflow
    /// action its run's clock).
    /// </summary>
    public static DeliveryClient Connect(string stateDirectory, TimeProvider time, string? token = null)
    {
        var serverFile = Path.Combine(stateDirectory, ServerFiles.Info);
        var tokenFile = Path.Combine(stateDirectory, ServerFiles.Token);
        if (!File.Exists(serverFile) || (token is null && !File.Exists(tokenFile)))
        {
            throw new DeliveryApiException(NoServer, 0);
        }

        var info = JsonSerializer.Deserialize(File.ReadAllText(serverFile), ApiJson.Default.ServerInfo)
            ?? throw new DeliveryApiException(NoServer, 0);
        return new DeliveryClient(new Uri(info.Url), token ?? File.ReadAllText(tokenFile).Trim(), time);
    }

    /// <summary>
    /// A client of the server at <paramref name="server"/> with <paramref name="token"/> (a remote worker's job: the server
    /// it takes jobs from and the job's own credential).
    /// </summary>
    public static DeliveryClient ForServer(Uri server, string token, TimeProvider time) => new(server, token, time);

    /// <summary>How long an upload of an artifact may take.</summary>
    private static readonly TimeSpan UploadTimeout = TimeSpan.FromMinutes(10);

    /// <summary>Sends <paramref name="folder"/> as a tar stream and deploys it (the server's folders are not this machine's); returns the deployment as recorded.</summary>
    public async Task<DeploymentView> DeployUploadAsync(string app, string environment, string folder, string? version, string? strategy, CancellationToken ct = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, DeliveryRoutes.DeploymentUploadPath(app, environment, version, strategy))
        {
            Content = Catalytic.Pipelines.Workers.Files.TarTransfer.FolderContent(folder, ct),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
        using var deadline = new Deadline(UploadTimeout, _time, ct);
        using var response = await SendRawAsync(request, HttpCompletionOption.ResponseContentRead, deadline.Token);
        return (await response.Content.ReadFromJsonAsync(ApiJson.Default.DeploymentView, deadline.Token))!;
    }

    /// <summary>Starts a deployment; returns it as recorded (state pending).</summary>
    public Task<DeploymentView> DeployAsync(DeployBody body, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, DeliveryRoutes.DeploymentsPath, JsonContent.Create(body, ApiJson.Default.DeployBody), ApiJson.Default.DeploymentView, ct);

    /// <summary>A deployment with its events and approvals.</summary>
    public Task<DeploymentView> GetDeploymentAsync(string id, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Get, DeliveryRoutes.DeploymentPath(id), null, ApiJson.Default.DeploymentView, ct);

    /// <summary>
    /// Approves the deployment waiting in (app, environment). The answer comes once the deployment has recorded the
    /// decision and left the gate, so waiting on it next never sees the gate it just passed.
    /// </summary>
    public Task<DeploymentView> ApproveAsync(string app, string environment, string? id = null, string? comment = null, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, DeliveryRoutes.EnvironmentPath(app, environment, DeliveryRoutes.Approve), JsonContent.Create(new DecisionBody(id, comment), ApiJson.Default.DecisionBody), ApiJson.Default.DeploymentView, ct);

    /// <summary>Rejects the deployment waiting in (app, environment); answers as <see cref="ApproveAsync"/> does.</summary>
    public Task<DeploymentView> RejectAsync(string app, string environment, string? id = null, string? comment = null, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, DeliveryRoutes.EnvironmentPath(app, environment, DeliveryRoutes.Reject), JsonContent.Create(new DecisionBody(id, comment), ApiJson.Default.DecisionBody), ApiJson.Default.DeploymentView, ct);

    /// <summary>Rolls (app, environment) back (to <paramref name="to"/> or the previous release).</summary>
    public Task<DeploymentView> RollbackAsync(string app, string environment, string? to = null, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, DeliveryRoutes.EnvironmentPath(app, environment, DeliveryRoutes.Rollback), JsonContent.Create(new RollbackBody(to), ApiJson.Default.RollbackBody), ApiJson.Default.DeploymentView, ct);

    /// <summary>Live versions, instances, traffic and history.</summary>
    public Task<StatusView> StatusAsync(string? app = null, string? environment = null, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Get, DeliveryRoutes.StatusPath(app, environment), null, ApiJson.Default.StatusView, ct);

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

            await Task.Delay(PollInterval, _time, ct);
        }
    }

    /// <summary>
    /// Deploys and waits for the end or a gate: the entry point of the demo. The returned view's
    /// <see cref="DeploymentView.ExitCode"/> is 0 (succeeded), 1 (failed, rolled back, rejected) or 3 (waiting for approval).
    /// </summary>
    public async Task<DeploymentView> DeployAndWaitAsync(DeployBody body, Action<EventView>? onEvent = null, CancellationToken ct = default)
    {
        var started = await DeployAsync(body, ct);
        return await WaitAsync(started.Id, onEvent, throughGates: false, ct);
    }

    /// <summary>Log lines of (app, environment)'s instances; with <paramref name="follow"/> keeps streaming until cancelled.</summary>
    public async IAsyncEnumerable<string> LogsAsync(string app, string environment, bool follow, int tail = 100, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var path = DeliveryRoutes.EnvironmentPath(app, environment, DeliveryRoutes.Logs) + $"?follow={(follow ? "true" : "false")}&tail={tail}";
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        // Followed logs stream for as long as the caller wants; only a plain read is bounded.
        using var deadline = follow ? null : Deadline(ct);
        var token = deadline?.Token ?? ct;
        using var response = await SendRawAsync(request, HttpCompletionOption.ResponseHeadersRead, token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(token));
        while (await reader.ReadLineAsync(token) is { } line)
        {
            yield return line;
        }
    }

    /// <summary>Any call of the API answering JSON (the access verbs use it): refusals become <see cref="DeliveryApiException"/>.</summary>
    public Task<T> CallAsync<T>(HttpMethod method, string path, HttpContent? content, JsonTypeInfo<T> type, CancellationToken ct = default) =>
        SendAsync(method, path, content, type, ct);

    /// <inheritdoc/>
    public void Dispose() => _http.Dispose();

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, JsonTypeInfo<T> type, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        using var deadline = Deadline(ct);
        using var response = await SendRawAsync(request, HttpCompletionOption.ResponseContentRead, deadline.Token);
        return (await response.Content.ReadFromJsonAsync(type, deadline.Token))!;
    }

    /// <summary><paramref name="ct"/> cut short after <see cref="CallTimeout"/> on the client's clock.</summary>
    private Deadline Deadline(CancellationToken ct) => new(CallTimeout, _time, ct);

    private async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, completion, ct);
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
                problem = await response.Content.ReadFromJsonAsync(ApiJson.Default.ProblemView, ct);
            }
            catch (JsonException)
            {
                // Not a problem document (a proxy's error page, say): the status line below says what happened.
            }

            var message = problem?.Detail ?? problem?.Title ?? $"the server answered {(int)response.StatusCode} {response.ReasonPhrase}";
            throw response.StatusCode == HttpStatusCode.Unauthorized
                ? new DeliveryApiException($"the server refused the token in .catalytic/{ServerFiles.Token}; restart `catalytic serve`", 401)
                : new DeliveryApiException(message, (int)response.StatusCode, problem?.Field, problem?.Errors);
        }
    }
}
