using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;

namespace Catalytic.Dashboard.Tests;

/// <summary>
/// Secrets on the settings page and through the API (admin only): a value set is stored as a 0600 file in the state
/// folder's secrets/ and is never in a page, an API answer or the audit log, which records who set and removed which
/// name. Bad names, bodies and callers are refused naming the field, and change nothing.
/// </summary>
public sealed class SecretsTests(DashboardFixture f)
{
    private string Folder => Path.Combine(f.Root, ".catalytic", "secrets");

    [Fact]
    public async Task Admin_SetsAndRemovesASecret_OnTheSettingsPage_AndItsValueIsShownNowhere()
    {
        var value = "s3cr3t-" + Guid.NewGuid().ToString("N");
        var page = await f.PageAsync();
        await f.SignInAsync(page, "admin", "/settings");
        var form = page.GetByRole(AriaRole.Form, new() { Name = "Set a secret" });
        await form.GetByLabel("Name").FillAsync("deploy-key");
        await form.GetByLabel("Value").FillAsync(value);
        await form.GetByRole(AriaRole.Button, new() { Name = "Set secret" }).ClickAsync();

        var row = page.Locator("tr[data-secret='deploy-key']");
        await Assertions.Expect(row).ToContainTextAsync("file");
        await Assertions.Expect(page.Locator("#secret-status")).ToHaveTextAsync("Secret deploy-key set.");
        await Assertions.Expect(form.GetByLabel("Value")).ToHaveValueAsync("");
        var file = Path.Combine(Folder, "deploy-key");
        Assert.Equal(value, await File.ReadAllTextAsync(file));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }

        Assert.DoesNotContain(value, await page.ContentAsync(), StringComparison.Ordinal);
        Assert.DoesNotContain(value, await f.Local.GetStringAsync("api/secrets"), StringComparison.Ordinal);
        // The audit page shows the change by name (the audit table redraws after the change).
        await Assertions.Expect(page.Locator("table.audit tbody tr").Filter(new() { HasText = "secret.set" }).First).ToContainTextAsync("secret deploy-key");

        page.Dialog += (_, d) => _ = d.AcceptAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Remove secret deploy-key" }).ClickAsync();
        await Assertions.Expect(page.Locator("#secret-status")).ToHaveTextAsync("Secret deploy-key removed.");
        await Assertions.Expect(row).ToHaveCountAsync(0);
        Assert.False(File.Exists(file));
        var audit = await f.Local.GetStringAsync("api/audit?limit=200");
        Assert.Contains("secret.remove", audit, StringComparison.Ordinal);
        Assert.DoesNotContain(value, audit, StringComparison.Ordinal);
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task SecretsApi_RefusesBadNamesBodiesAndCallers_AndChangesNothing()
    {
        var before = Snapshot();
        foreach (var name in new[] { ".hidden", "a%2Fb", "-dash", "sp%20ace", new string('n', 101), "semi%3Bcolon" })
        {
            await ExpectAsync(HttpMethod.Put, $"api/secrets/{name}", "{\"value\":\"x\"}", HttpStatusCode.BadRequest, "name");
        }

        await ExpectAsync(HttpMethod.Put, "api/secrets/ok-name", "{}", HttpStatusCode.BadRequest, "value");
        await ExpectAsync(HttpMethod.Put, "api/secrets/ok-name", "", HttpStatusCode.BadRequest, "value");
        await ExpectAsync(HttpMethod.Put, "api/secrets/ok-name", "{\"value\":\"\"}", HttpStatusCode.BadRequest, "value");
        await ExpectAsync(HttpMethod.Put, "api/secrets/ok-name", "{\"value\": 42}", HttpStatusCode.BadRequest, "value");
        await ExpectAsync(HttpMethod.Put, "api/secrets/ok-name", "{\"value\":", HttpStatusCode.BadRequest, null);
        await ExpectAsync(HttpMethod.Put, "api/secrets/ok-name", JsonSerializer.Serialize(new { value = new string('v', 33 * 1024) }), HttpStatusCode.BadRequest, "value");
        await ExpectAsync(HttpMethod.Put, "api/secrets/ok-name", "{\"value\":\"" + new string('v', 70 * 1024) + "\"}", HttpStatusCode.RequestEntityTooLarge, null);
        await ExpectAsync(HttpMethod.Delete, "api/secrets/never-set", null, HttpStatusCode.NotFound, "name");
        await ExpectAsync(HttpMethod.Delete, "api/secrets/.hidden", null, HttpStatusCode.BadRequest, "name");

        // Only an admin: a developer is refused (403), nobody without credentials gets anything (401).
        using var dev = await f.TokenClientAsync("dev1");
        using (var r = await dev.GetAsync("api/secrets"))
        {
            Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        }

        using (var r = await dev.PutAsync("api/secrets/ok-name", new StringContent("{\"value\":\"x\"}", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        }

        using var anonymous = new HttpClient { BaseAddress = f.Url };
        using (var r = await anonymous.GetAsync("api/secrets"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        }

        Assert.Equal(before, Snapshot());

        // A value set twice is replaced (200 the second time), and the answer never carries it.
        using (var r = await f.Local.PutAsync("api/secrets/api-token", new StringContent("{\"value\":\"first-value\"}", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.Created, r.StatusCode);
            Assert.DoesNotContain("first-value", await r.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var r = await f.Local.PutAsync("api/secrets/api-token", new StringContent("{\"value\":\"second-value\"}", Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        }

        Assert.Equal("second-value", await File.ReadAllTextAsync(Path.Combine(Folder, "api-token")));
        Assert.DoesNotContain("second-value", await f.Local.GetStringAsync("api/secrets"), StringComparison.Ordinal);
        using (var r = await f.Local.DeleteAsync("api/secrets/api-token"))
        {
            Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        }
    }

    private string Snapshot() =>
        Directory.Exists(Folder) ? string.Join("\n", Directory.EnumerateFileSystemEntries(Folder).Order(StringComparer.Ordinal)) : "(none)";

    private async Task ExpectAsync(HttpMethod method, string path, string? body, HttpStatusCode status, string? field)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var r = await f.Local.SendAsync(request);
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == status, $"{method} {path[..Math.Min(path.Length, 60)]}: {(int)r.StatusCode} {text}");
        if (field is not null)
        {
            using var doc = JsonDocument.Parse(text);
            Assert.Equal(field, doc.RootElement.GetProperty("field").GetString());
        }
    }
}
