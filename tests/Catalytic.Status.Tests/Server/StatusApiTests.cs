using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Catalytic.Status.Tests.Support;

namespace Catalytic.Status.Tests.Server;

/// <summary>The status API and page of a real serve: the token, hostile and malformed bodies, secrets kept out of answers.</summary>
public sealed class StatusApiTests
{
    [Fact]
    public async Task Api_RefusesBadInput_NamingTheField_AndNeverShowsSecrets()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("catalytic.yml"), """
            checks:
              private: { url: "http://user:pa55word@127.0.0.1:1/health?token=abc123", interval: 500ms, failure-threshold: 1, public: false }
              shown: { url: "tcp://127.0.0.1:1", interval: 500ms }
            status: { page: { title: Acme status } }
            notifications:
              channels:
                slack: { slack: { webhook-url: "http://127.0.0.1:1/services/T0/B0/SLACKSECRETTOKEN" } }
                hook: { webhook: { url: "http://127.0.0.1:1/hook", secret: hook-key } }
                mail: { email: { host: 127.0.0.1, port: 1, tls: none, from: a@example.com, to: [b@example.com], username: ops, password-secret: smtp-pw } }
              routes:
                - { to: [slack, hook, mail], group-wait: 0s }
            """);
        Directory.CreateDirectory(dir.File(".catalytic/secrets"));
        File.WriteAllText(dir.File(".catalytic/secrets/hook-key"), "HMACKEYVALUE");
        File.WriteAllText(dir.File(".catalytic/secrets/smtp-pw"), "SMTPPASSWORDVALUE");
        await using var serve = new ServeProcess(dir.Path);
        await serve.StartAsync();
        using var info = JsonDocument.Parse(await File.ReadAllTextAsync(dir.File(".catalytic/server.json")));
        var api = new Uri(info.RootElement.GetProperty("url").GetString()!);
        using var anonymous = new HttpClient { BaseAddress = api };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(new Uri("api/alerts", UriKind.Relative))).StatusCode);
        using var http = new HttpClient { BaseAddress = api };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await File.ReadAllTextAsync(dir.File(".catalytic/server.token"))).Trim());

        async Task<(HttpStatusCode, string)> Post(string path, string body)
        {
            using var r = await http.PostAsync(new Uri(path, UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));
            return (r.StatusCode, await r.Content.ReadAsStringAsync());
        }

        foreach (var (body, field) in new[]
        {
            ("{}", "matchers"),
            ("""{"matchers":["environment staging"],"for":"2h","comment":"x"}""", "matchers"),
            ("""{"matchers":["app=~(unclosed"],"for":"2h","comment":"x"}""", "matchers"),
            ("""{"matchers":["env=staging"],"for":"forever","comment":"x"}""", "for"),
            ("""{"matchers":["env=staging"],"for":"2h"}""", "comment"),
            ("{\"matchers\":[\"env=staging\"],\"for\":\"2h\",\"comment\":\"" + new string('x', 5000) + "\"}", "comment"),
            ("""{"matchers":"env=staging","for":"2h","comment":"x"}""", "matchers"),
            ("""{"matchers":["env=staging"],"for":7200,"comment":"x"}""", "for"),
            ("{\"matchers\":[" + string.Join(",", Enumerable.Range(0, 51).Select(i => $"\"l{i}=v\"")) + "],\"for\":\"2h\",\"comment\":\"x\"}", "matchers"),
            ("[]", "body"),
            ("\"env=staging\"", "body"),
            ("{\"matchers\": [", "matchers"),
            // A broken member name: the reader stands in the object itself, so the body is named (with the position).
            ("{\"comment\": \"x\", oops}", "body"),
        })
        {
            var (status, text) = await Post("api/silences", body);
            Assert.True(status == HttpStatusCode.BadRequest, $"{body[..Math.Min(80, body.Length)]}: {status} {text}");
            Assert.Contains($"\"field\":\"{field}\"", text, StringComparison.Ordinal);
        }

        // Oversized: refused by its declared length, and (chunked, no length) after reading no more than the limit.
        var huge = "{\"matchers\":[\"env=staging\"],\"for\":\"2h\",\"comment\":\"" + new string('x', 200_000) + "\"}";
        var (tooLarge, tooLargeText) = await Post("api/silences", huge);
        Assert.True(tooLarge == HttpStatusCode.RequestEntityTooLarge, $"{tooLarge} {tooLargeText}");
        Assert.Contains("\"field\":\"body\"", tooLargeText, StringComparison.Ordinal);
        using (var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(huge))))
        {
            chunked.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("api/silences", UriKind.Relative)) { Content = chunked };
            request.Headers.TransferEncodingChunked = true;
            using var answer = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, answer.StatusCode);
        }

        Assert.Empty((await serve.CliAsync("silence", "list")).Out.Trim());
        var (unknown, unknownText) = await Post("api/alerts/a0000000/ack", "{}");
        Assert.Equal(HttpStatusCode.NotFound, unknown);
        Assert.Contains("no firing alert 'a0000000'", unknownText, StringComparison.Ordinal);

        var (silenceCode, silenceOut, silenceErr) = await serve.CliAsync("silence", "add", "--match", "check=shown", "--for", "1h", "--comment", "maintenance of the db");
        Assert.True(silenceCode == 0, silenceErr);
        Assert.Matches(@"^s[0-9a-f]{8}  active  check=shown", silenceOut);

        await Ports.WaitAsync(async () => (await serve.AlertsAsync()).Any(a => a.Name == "check-down" && a.Labels["check"] == "private"), "the private check's alert");
        await Ports.WaitAsync(async () => (await serve.NotificationsAsync()).Where(n => n.Attempts > 0).Select(n => n.Channel).Distinct().Count() == 3, "an attempt on each channel");
        var everything = string.Join("\n",
            await http.GetStringAsync(new Uri("api/checks", UriKind.Relative)),
            await http.GetStringAsync(new Uri("api/alerts?all=true", UriKind.Relative)),
            await http.GetStringAsync(new Uri("api/notifications", UriKind.Relative)),
            (await serve.CliAsync("checks")).Out, (await serve.CliAsync("notifications")).Out, (await serve.CliAsync("alerts")).Out, serve.Output);
        foreach (var secret in new[] { "pa55word", "abc123", "SLACKSECRETTOKEN", "HMACKEYVALUE", "SMTPPASSWORDVALUE" })
        {
            Assert.DoesNotContain(secret, everything, StringComparison.Ordinal);
        }

        await Ports.WaitAsync(async () => (await serve.AlertsAsync()).Any(a => a.Labels.GetValueOrDefault("check") == "shown"), "the shown check's alert");
        Assert.Equal("silenced", (await serve.AlertsAsync()).Single(a => a.Labels.GetValueOrDefault("check") == "shown").State);
        var page = await anonymous.GetStringAsync(new Uri("status", UriKind.Relative));
        Assert.Contains("<title>Acme status</title>", page, StringComparison.Ordinal);
        Assert.Contains("<b>shown</b>", page, StringComparison.Ordinal);
        Assert.DoesNotContain("private", page, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1", page, StringComparison.Ordinal);
    }
}
