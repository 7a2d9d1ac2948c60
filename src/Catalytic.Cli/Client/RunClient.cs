using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Catalytic.Contracts.Json;
using Catalytic.Contracts.Runs;
using Catalytic.Contracts.Server;

namespace Catalytic.Cli.Client;

/// <summary>
/// Client of the run API of the `catalytic serve` of a state folder (server.json and the token beside it), for the
/// verbs runs, logs --run, dispatch, cancel, rerun and workers. Refusals come back as <see cref="DeliveryApiException"/>
/// with the server's detail and field, as the delivery verbs' do.
/// </summary>
public sealed class RunClient : IDisposable
{
    private readonly HttpClient _http;

    private RunClient(Uri baseAddress, string token)
    {
        // Calls are short except a followed log, which ends with its job (or Ctrl-C): no client-side timeout.
        _http = new HttpClient { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public static RunClient Connect(string stateDirectory)
    {
        var serverFile = Path.Combine(stateDirectory, ServerFiles.Info);
        var tokenFile = Path.Combine(stateDirectory, ServerFiles.Token);
        if (!File.Exists(serverFile) || !File.Exists(tokenFile))
        {
            throw new DeliveryApiException(DeliveryClient.NoServer, 0);
        }

        var info = JsonSerializer.Deserialize(File.ReadAllText(serverFile), ApiJson.Default.ServerInfo) ?? throw new DeliveryApiException(DeliveryClient.NoServer, 0);
        return new RunClient(new Uri(info.Url), File.ReadAllText(tokenFile).Trim());
    }

    public Task<IReadOnlyList<RunView>> RunsAsync(string? repo, string? branch, string? status, int limit, CancellationToken ct)
    {
        var query = new List<string> { "limit=" + limit.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        foreach (var (k, v) in new[] { ("repo", repo), ("branch", branch), ("status", status) })
        {
            if (v is not null)
            {
                query.Add(k + "=" + Uri.EscapeDataString(v));
            }
        }

        return SendAsync(HttpMethod.Get, RunRoutes.Runs + "?" + string.Join('&', query), null, ApiJson.Default.IReadOnlyListRunView, ct);
    }

    public Task<RunDetailView> RunAsync(long id, CancellationToken ct) => SendAsync(HttpMethod.Get, RunRoutes.Run(id), null, ApiJson.Default.RunDetailView, ct);

    public Task<RunView> CancelAsync(long id, CancellationToken ct) => SendAsync(HttpMethod.Post, RunRoutes.Cancel(id), null, ApiJson.Default.RunView, ct);

    public Task<RunView> RerunAsync(long id, bool failed, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, RunRoutes.Rerun(id), JsonContent.Create(new RerunBody(failed), ApiJson.Default.RerunBody), ApiJson.Default.RunView, ct);

    public Task<RunView> ApproveAsync(long id, RunApprovalBody body, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, RunRoutes.Approve(id), JsonContent.Create(body, ApiJson.Default.RunApprovalBody), ApiJson.Default.RunView, ct);

    public Task<DispatchAnswer> DispatchAsync(string repo, DispatchBody body, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, RunRoutes.Dispatches(repo), JsonContent.Create(body, ApiJson.Default.DispatchBody), ApiJson.Default.DispatchAnswer, ct);

    public Task<IReadOnlyList<WorkerView>> WorkersAsync(CancellationToken ct) => SendAsync(HttpMethod.Get, RunRoutes.Workers, null, ApiJson.Default.IReadOnlyListWorkerView, ct);

    /// <summary>The job's log lines as the server streams them (Server-Sent Events); with <paramref name="follow"/> until the job ends.</summary>
    public async IAsyncEnumerable<LogLineView> LogAsync(long id, string job, bool follow, [EnumeratorCancellation] CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, RunRoutes.Logs(id, job) + (follow ? "?follow=true" : ""));
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        await ThrowIfFailedAsync(response, ct);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        var kind = "";
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                kind = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal) && kind == "line"
                && JsonSerializer.Deserialize(line[6..], ApiJson.Default.LogLineView) is { } view)
            {
                yield return view;
            }
            else if (kind == "end")
            {
                yield break;
            }
        }
    }

    public void Dispose() => _http.Dispose();

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? content, JsonTypeInfo<T> type, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct);
        }
        catch (HttpRequestException e)
        {
            throw new DeliveryApiException($"{DeliveryClient.NoServer} ({e.Message})", 0);
        }

        using (response)
        {
            await ThrowIfFailedAsync(response, ct);
            return (await response.Content.ReadFromJsonAsync(type, ct))!;
        }
    }

    private static async Task ThrowIfFailedAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var text = await response.Content.ReadAsStringAsync(ct);
        string? detail = null, field = null;
        List<string> errors = [];
        try
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(text);
            detail = (string?)node?["detail"];
            field = (string?)node?["field"];
            if (node?["errors"] is System.Text.Json.Nodes.JsonArray list)
            {
                errors.AddRange(list.Select(e => e?.ToString() ?? ""));
            }
        }
        catch (JsonException)
        {
            // Not a problem document: the status says enough.
        }

        throw new DeliveryApiException(detail ?? $"the server answered {(int)response.StatusCode}", (int)response.StatusCode, field, errors);
    }
}
