using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Catalytic.Contracts.Access;
using Catalytic.Contracts.Server;
using Catalytic.Delivery.Storage;
using Catalytic.Server.Hosting;
using Catalytic.Testing.Files;
using Catalytic.Testing.Network;
using Catalytic.Testing.Processes;
using Catalytic.Testing.Time;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Catalytic.Server.Tests.Auth;

/// <summary>
/// A real server in this process (real Kestrel, real HTTP, SQLite) on a fake clock, with helpers to make users and
/// credentials through the API itself. Every log line the server writes is kept, so a test can look for secrets in them.
/// </summary>
public sealed class AuthHarness : IAsyncDisposable
{
    private readonly TempFolder _dir = new("auth");
    private readonly List<HttpClient> _clients = [];

    private AuthHarness(string yaml)
    {
        _dir.Write("catalytic.yml", yaml.Replace("{port}", Ports.FreeTcpPort().ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{port2}", Ports.FreeTcpPort().ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
        _dir.Write("artifact/app.py", "print('never started')\n");
    }

    /// <summary>Two environments of one app: production protected (approval required), staging not.</summary>
    public const string DefaultConfig = """
        apps:
          web:
            run: python3 app.py
            environments:
              production:
                listen: 127.0.0.1:{port}
                strategy: blue-green
                approval: required
              staging:
                listen: 127.0.0.1:{port2}
        """;

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero));

    public CatalyticServer Server { get; private set; } = null!;

    public TempFolder Dir => _dir;

    public string State => _dir[".catalytic"];

    public LogLines Logs { get; } = new();

    /// <summary>The state folder's token: the local admin credential.</summary>
    public HttpClient Local { get; private set; } = null!;

    /// <param name="wrapDeliveryStore">Wraps the server's delivery store (a test that holds a transition).</param>
    public static async Task<AuthHarness> StartAsync(string yaml = DefaultConfig, bool publicMetrics = true, Func<IDeliveryStore, IDeliveryStore>? wrapDeliveryStore = null)
    {
        var h = new AuthHarness(yaml);
        await h.StartServerAsync(publicMetrics, wrapDeliveryStore);
        return h;
    }

    public async Task StartServerAsync(bool publicMetrics = true, Func<IDeliveryStore, IDeliveryStore>? wrapDeliveryStore = null)
    {
        Server = new CatalyticServer(new ServerOptions
            {
                StateDirectory = State, ConfigPath = _dir["catalytic.yml"], Triggers = false, PublicMetrics = publicMetrics,
                LogMasker = MaskStage.Command, WrapDeliveryStore = wrapDeliveryStore,
            },
            Clock, LoggerFactory.Create(b => b.AddProvider(Logs).SetMinimumLevel(LogLevel.Trace)));
        Assert.Null(await Server.StartAsync(TestContext.Current.CancellationToken));
        Local = Client(File.ReadAllText(Path.Combine(State, ServerFiles.Token)));
    }

    public async Task RestartAsync()
    {
        await StopServerAsync();
        await StartServerAsync();
    }

    /// <summary>A client of the API, with <paramref name="bearer"/> when given.</summary>
    public HttpClient Client(string? bearer = null, bool cookies = false)
    {
        var http = new HttpClient(new SocketsHttpHandler { UseCookies = cookies, CookieContainer = new CookieContainer() }) { BaseAddress = Server.ApiAddress };
        if (bearer is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        _clients.Add(http);
        return http;
    }

    /// <summary>Adds a user through the API with the local credential; returns the password.</summary>
    public async Task<string> AddUserAsync(string name, string role)
    {
        var password = "pw-" + name + "-" + Guid.NewGuid().ToString("N")[..12];
        using var r = await Local.PostAsJsonAsync("api/users", new AddUserBody(name, role, password), AccessJson.Default.AddUserBody, TestContext.Current.CancellationToken);
        Assert.True(r.StatusCode == HttpStatusCode.Created, await r.Content.ReadAsStringAsync());
        return password;
    }

    /// <summary>A token of <paramref name="user"/> (created with the local credential).</summary>
    public async Task<CreatedTokenView> TokenAsync(string? user, string? role = null, string? expires = null)
    {
        using var r = await Local.PostAsJsonAsync("api/tokens", new CreateTokenBody(user, "test", role, expires), AccessJson.Default.CreateTokenBody, TestContext.Current.CancellationToken);
        Assert.True(r.StatusCode == HttpStatusCode.Created, await r.Content.ReadAsStringAsync());
        return (await r.Content.ReadFromJsonAsync(AccessJson.Default.CreatedTokenView))!;
    }

    /// <summary>A client acting as a new user of <paramref name="role"/> through an API token.</summary>
    public async Task<HttpClient> AsAsync(string user, string role)
    {
        await AddUserAsync(user, role);
        return Client((await TokenAsync(user)).Secret);
    }

    /// <summary>Signs in; returns the answer (its Set-Cookie, its body) without following anything.</summary>
    public async Task<HttpResponseMessage> LoginAsync(string user, string password, HttpClient? through = null, string? origin = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/session") { Content = JsonContent.Create(new LoginBody(user, password), AccessJson.Default.LoginBody) };
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        return await (through ?? Client()).SendAsync(request, TestContext.Current.CancellationToken);
    }

    /// <summary>The session cookie's value in a login answer.</summary>
    public static string SessionCookie(HttpResponseMessage login)
    {
        var header = Assert.Single(login.Headers.GetValues("Set-Cookie"), h => h.StartsWith(AccessRoutes.SessionCookie + "=", StringComparison.Ordinal));
        return header[(AccessRoutes.SessionCookie.Length + 1)..header.IndexOf(';', StringComparison.Ordinal)];
    }

    /// <summary>A request carrying a session cookie (and the CSRF token when given), as a browser of this origin would send it.</summary>
    public HttpRequestMessage Browser(HttpMethod method, string path, string cookie, string? csrf = null, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Add("Cookie", $"{AccessRoutes.SessionCookie}={cookie}");
        if (csrf is not null)
        {
            request.Headers.Add(AccessRoutes.CsrfHeader, csrf);
        }

        return request;
    }

    public async Task<IReadOnlyList<AuditEntryView>> AuditAsync(string? action = null) =>
        (await Local.GetFromJsonAsync("api/audit?limit=1000" + (action is null ? "" : "&action=" + action), AccessJson.Default.IReadOnlyListAuditEntryView, TestContext.Current.CancellationToken))!;

    public async ValueTask DisposeAsync()
    {
        foreach (var c in _clients)
        {
            c.Dispose();
        }

        await StopServerAsync();
        _dir.Dispose();
    }

    /// <summary>
    /// Stopping the server stops its instances (SIGTERM, the output masker's drain, SIGKILL after stop-timeout), all
    /// on <see cref="Clock"/>: keep it moving, or a stop that needs one of those waits hangs on a clock nobody moves.
    /// </summary>
    private Task StopServerAsync() => Clock.AdvanceWhileAsync(Server.DisposeAsync().AsTask(), "the server to stop (its instances and runs end on the test's clock)");

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}

/// <summary>Every log line a server wrote (message and exception), for tests that look for what must never be there.</summary>
public sealed class LogLines : ILoggerProvider
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> All => [.. _lines];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogLines owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._lines.Enqueue($"{category} {eventId.Id} {formatter(state, exception)} {exception}");
    }
}
