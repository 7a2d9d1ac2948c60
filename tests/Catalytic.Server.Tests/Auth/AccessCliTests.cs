using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Catalytic.Contracts.Access;
using Catalytic.Contracts.Json;
using Catalytic.Contracts.Server;
using Catalytic.Testing.Files;
using Catalytic.Testing.Network;
using Catalytic.Testing.Processes;
using Catalytic.Testing.Waiting;

namespace Catalytic.Server.Tests.Auth;

/// <summary>
/// The access verbs through the real `catalytic` binary against a real `serve`, with the state folder's token (an admin
/// credential of this machine): users, tokens, the audit log.
/// </summary>
public sealed class AccessCliTests : IAsyncLifetime
{
    private readonly TempFolder _dir = new("access-cli");
    private CatalyticProcess.Running? _serve;

    private string State => _dir[".catalytic"];

    public async ValueTask InitializeAsync()
    {
        _dir.Write("catalytic.yml", $$"""
            apps:
              web:
                run: python3 app.py
                environments:
                  production:
                    listen: 127.0.0.1:{{Ports.FreeTcpPort()}}
            """);
        _serve = CatalyticProcess.Start(_dir.Path, ["serve"]);
        await Eventually.UntilAsync(() =>
        {
            Assert.False(_serve.Process.HasExited, "catalytic serve exited:\n" + _serve.Output);
            return File.Exists(Path.Combine(State, ServerFiles.Info));
        }, () => "catalytic serve writing server.json; it printed:\n" + _serve.Output);
    }

    public async ValueTask DisposeAsync()
    {
        if (_serve is not null)
        {
            await _serve.DisposeAsync();
        }

        _dir.Dispose();
    }

    [Fact]
    public async Task UserTokenAndAuditVerbs_WorkWithTheLocalCredential()
    {
        Assert.Contains("created user admin on first start", _serve!.Output, StringComparison.Ordinal);

        var add = await CliAsync("alice-password-1\n", "user", "add", "alice", "--role", "developer", "--password-stdin");
        Assert.True(add.Code == 0, add.ToString());
        var generated = await CliAsync(null, "user", "add", "bob", "--role", "viewer");
        Assert.True(generated.Code == 0, generated.ToString());
        Assert.Matches("^[A-Za-z0-9]{24}$", generated.Out.Trim());
        var duplicate = await CliAsync("alice-password-2\n", "user", "add", "alice", "--role", "viewer", "--password-stdin");
        Assert.Equal(2, duplicate.Code);
        Assert.Contains("exists", duplicate.Err, StringComparison.Ordinal);
        var weak = await CliAsync("short\n", "user", "add", "carol", "--role", "viewer", "--password-stdin");
        Assert.Equal(2, weak.Code);
        var badRole = await CliAsync("alice-password-1\n", "user", "add", "carol", "--role", "root", "--password-stdin");
        Assert.Equal(2, badRole.Code);

        var list = await CliAsync(null, "user", "list", "--json");
        var users = JsonSerializer.Deserialize(list.Out, AccessJson.Default.IReadOnlyListUserView)!;
        Assert.Equal([("admin", "admin"), ("alice", "developer"), ("bob", "viewer")], users.Select(u => (u.Name, u.Role)));

        var created = await CliAsync(null, "token", "create", "--user", "alice", "--name", "ci", "--expires", "30d");
        Assert.True(created.Code == 0, created.ToString());
        var secret = created.Out.Trim();
        Assert.StartsWith("ctk_", secret, StringComparison.Ordinal);
        Assert.Contains("role developer", created.Err, StringComparison.Ordinal);
        using (var http = Api(secret))
        {
            using var r = await http.GetAsync("api/session");
            Assert.Contains("\"user\":\"alice\"", await r.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var needsUser = await CliAsync(null, "token", "create");
        Assert.Equal(2, needsUser.Code);
        Assert.Contains("local credential is no user", needsUser.Err, StringComparison.Ordinal);
        var worker = await CliAsync(null, "token", "create", "--role", "worker", "--name", "build-box");
        Assert.True(worker.Code == 0, worker.ToString());

        var tokens = JsonSerializer.Deserialize((await CliAsync(null, "token", "list", "--json")).Out, AccessJson.Default.IReadOnlyListTokenView)!;
        Assert.Equal(["build-box", "ci"], tokens.Select(t => t.Name).Order());
        var id = tokens.Single(t => t.Name == "ci").Id;
        var revoked = await CliAsync(null, "token", "revoke", id);
        Assert.True(revoked.Code == 0, revoked.ToString());
        using (var http = Api(secret))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("api/session")).StatusCode);
        }

        var rm = await CliAsync(null, "user", "rm", "bob");
        Assert.True(rm.Code == 0, rm.ToString());
        Assert.Equal(2, (await CliAsync(null, "user", "rm", "bob")).Code);

        var audit = await CliAsync(null, "audit", "--json");
        Assert.True(audit.Code == 0, audit.ToString());
        var entries = JsonSerializer.Deserialize(audit.Out, AccessJson.Default.IReadOnlyListAuditEntryView)!;
        Assert.Equal(["user.remove", "token.revoke", "token.create", "token.create", "user.add", "user.add", "user.add"], entries.Select(e => e.Action));
        Assert.All(entries.SkipLast(1), e => Assert.Equal(("local", "127.0.0.1"), (e.Actor, e.Address)));
        var text = await CliAsync(null, "audit", "--action", "user.add", "--limit", "1");
        Assert.Contains("local (local from 127.0.0.1) user.add bob: role viewer", text.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, audit.Out + text.Out + _serve.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("alice-password-1", audit.Out + _serve.Output, StringComparison.Ordinal);
    }

    private Task<CatalyticProcess.Result> CliAsync(string? stdin, params string[] args) => CatalyticProcess.RunAsync(_dir.Path, args, stdin: stdin);

    private HttpClient Api(string bearer)
    {
        var info = JsonSerializer.Deserialize(File.ReadAllText(Path.Combine(State, ServerFiles.Info)), ApiJson.Default.ServerInfo)!;
        var http = new HttpClient { BaseAddress = new Uri(info.Url) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return http;
    }
}
