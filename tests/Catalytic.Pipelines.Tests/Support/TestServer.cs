using System.Net;
using Catalytic.Identity;
using Catalytic.Identity.Approvals;
using Catalytic.Pipelines.Triggers;
using Catalytic.Server.Api;
using Catalytic.Server.Auth;
using Catalytic.Server.Hosting;
using Catalytic.Storage.Identity;
using Catalytic.Testing.Waiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Catalytic.Pipelines.Tests.Support;

/// <summary>The server's pipeline endpoints on a real Kestrel listener on loopback, behind serve's own authentication.</summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public const string Token = "test-token";

    public static async Task<TestServer> StartAsync(PipelineTriggers triggers, string state)
    {
        var identities = new SqliteIdentityStore(Path.Combine(state, "identity-test.db"));
        await identities.InitializeAsync(CancellationToken.None);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddCatalyticAuth(new AccessControl(identities, RealTime.Clock), new ApiToken(Token), new AuthSettings(), new NoApprovals());
        var app = builder.Build();
        app.UseCatalyticAuth();
        app.MapPipelineEndpoints(triggers);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestServer(app, new Uri(address.TrimEnd('/') + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed class NoApprovals : IApprovalRules
    {
        public ApprovalRule? For(string app, string environment) => null;
    }
}
