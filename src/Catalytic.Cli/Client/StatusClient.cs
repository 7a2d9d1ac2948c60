using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Catalytic.Contracts.Json;
using Catalytic.Contracts.Problems;
using Catalytic.Contracts.Server;
using Catalytic.Contracts.Alerts;
using Catalytic.Contracts.Checks;

namespace Catalytic.Cli.Client;

/// <summary>
/// Client of the status API of a running `catalytic serve`, found through its state folder like the delivery verbs'
/// client (server.json and the bearer token beside it). Refusals surface as <see cref="DeliveryApiException"/>.
/// </summary>
public sealed class StatusClient : IDisposable
{
    private readonly HttpClient _http;

    private StatusClient(Uri baseAddress, string token)
    {
        _http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    /// <summary>Connects to the server of <paramref name="stateDirectory"/>; throws (status 0) when none runs.</summary>
    public static StatusClient Connect(string stateDirectory = ".catalytic")
    {
        var serverFile = Path.Combine(stateDirectory, ServerFiles.Info);
        var tokenFile = Path.Combine(stateDirectory, ServerFiles.Token);
        if (!File.Exists(serverFile) || !File.Exists(tokenFile))
        {
            throw new DeliveryApiException(DeliveryClient.NoServer, 0);
        }

        var info = JsonSerializer.Deserialize(File.ReadAllText(serverFile), ApiJson.Default.ServerInfo) ?? throw new DeliveryApiException(DeliveryClient.NoServer, 0);
        return new StatusClient(new Uri(info.Url), File.ReadAllText(tokenFile).Trim());
    }

    /// <summary>Every check.</summary>
    public Task<IReadOnlyList<CheckView>> ChecksAsync(CancellationToken ct = default) => SendAsync(HttpMethod.Get, "api/checks", null, ApiJson.Default.IReadOnlyListCheckView, ct);

    /// <summary>One check's recent results and summaries.</summary>
    public Task<CheckHistoryView> HistoryAsync(string name, int limit, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Get, $"api/checks/{Uri.EscapeDataString(name)}/history?limit={limit}", null, ApiJson.Default.CheckHistoryView, ct);

    /// <summary>One check's SLA over <paramref name="days"/>.</summary>
    public Task<SlaView> SlaAsync(string name, int days, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Get, $"api/checks/{Uri.EscapeDataString(name)}/sla?days={days}", null, ApiJson.Default.SlaView, ct);

    /// <summary>Alerts firing (and resolved in the last hour with <paramref name="all"/>).</summary>
    public Task<IReadOnlyList<AlertView>> AlertsAsync(bool all, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Get, "api/alerts" + (all ? "?all=true" : ""), null, ApiJson.Default.IReadOnlyListAlertView, ct);

    /// <summary>Acknowledges an alert.</summary>
    public Task<AlertView> AckAsync(string id, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"api/alerts/{Uri.EscapeDataString(id)}/ack", null, ApiJson.Default.AlertView, ct);

    /// <summary>Silences.</summary>
    public Task<IReadOnlyList<SilenceView>> SilencesAsync(CancellationToken ct = default) => SendAsync(HttpMethod.Get, "api/silences", null, ApiJson.Default.IReadOnlyListSilenceView, ct);

    /// <summary>Adds a silence.</summary>
    public Task<SilenceView> AddSilenceAsync(SilenceBody body, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, "api/silences", JsonContent.Create(body, ApiJson.Default.SilenceBody), ApiJson.Default.SilenceView, ct);

    /// <summary>Ends a silence now.</summary>
    public Task<SilenceView> ExpireSilenceAsync(string id, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Delete, $"api/silences/{Uri.EscapeDataString(id)}", null, ApiJson.Default.SilenceView, ct);

    /// <summary>The outbox, newest first.</summary>
    public Task<IReadOnlyList<NotificationView>> NotificationsAsync(bool failed, int limit, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Get, $"api/notifications?limit={limit}" + (failed ? "&failed=true" : ""), null, ApiJson.Default.IReadOnlyListNotificationView, ct);

    /// <summary>Makes a failed or retrying notification due now (404 when there is no such message that may be retried).</summary>
    public Task<NotificationView> RetryNotificationAsync(long id, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"api/notifications/{id.ToString(System.Globalization.CultureInfo.InvariantCulture)}/retry", null, ApiJson.Default.NotificationView, ct);

    private async Task<T> SendAsync<T>(HttpMethod method, string path, HttpContent? body, JsonTypeInfo<T> type, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body };
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, ct);
        }
        catch (HttpRequestException)
        {
            throw new DeliveryApiException(DeliveryClient.NoServer, 0);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                var text = await response.Content.ReadAsStringAsync(ct);
                ProblemView? problem = null;
                try
                {
                    problem = JsonSerializer.Deserialize(text, ApiJson.Default.ProblemView);
                }
                catch (JsonException)
                {
                    // Not a problem document: the exception below says the status the server answered.
                }

                throw new DeliveryApiException(problem?.Detail ?? $"the server answered {(int)response.StatusCode}", (int)response.StatusCode, problem?.Field);
            }

            return (await response.Content.ReadFromJsonAsync(type, ct))!;
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _http.Dispose();
}
