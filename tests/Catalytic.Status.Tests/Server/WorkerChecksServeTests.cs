using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Catalytic.Contracts.Workers;
using Catalytic.Status.Checks;
using Catalytic.Status.Checks.Probes;
using Catalytic.Status.Checks.Remote;
using Catalytic.Status.Config;
using Catalytic.Status.Tests.Support;
using Catalytic.Testing.Waiting;

namespace Catalytic.Status.Tests.Server;

/// <summary>
/// Checks run from the workers (`from: [workers]`, `quorum`) over the real worker protocol: the real `catalytic serve`,
/// real `catalytic worker` processes, and in-process <see cref="WorkerCheckRunner"/>s (the worker's own client) over
/// real HTTP where a test needs one location's network path to the target broken.
/// </summary>
public sealed class WorkerChecksServeTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private readonly List<Process> _workers = [];
    private HttpTarget _target = null!;
    private ServeProcess _serve = null!;

    public async ValueTask InitializeAsync()
    {
        _target = new HttpTarget(Ports.Free());
        await _target.StartAsync();
        File.WriteAllText(_dir.File("catalytic.yml"), $$"""
            checks:
              remote:
                url: "http://127.0.0.1:{{_target.Port}}/health"
                interval: 300ms
                conditions: ["[STATUS] == 200", "[BODY].status == UP"]
                failure-threshold: 2
                success-threshold: 1
                from: [workers]
              local-only:
                url: "http://127.0.0.1:{{_target.Port}}/health"
                interval: 1s
            """);
        _serve = new ServeProcess(_dir.Path);
        await _serve.StartAsync();
    }

    [Fact]
    public async Task RealWorkerProcesses_ProbeTheCheck_TheServerJudgesIt_AndTheVerdictFollowsThem()
    {
        StartWorker("w1");
        StartWorker("w2");
        await Ports.WaitAsync(async () => Remote(await _serve.ChecksAsync()) is { Status: "up", Locations.Count: 2 }, "both workers reporting the check up\n" + Output());
        var up = Remote(await _serve.ChecksAsync());
        Assert.Equal(new Dictionary<string, string> { ["w1"] = "up", ["w2"] = "up" }, up.Locations);
        Assert.DoesNotContain("local", up.Locations.Keys);
        Assert.Contains(up.Last!.Conditions, c => c.Condition == "[BODY].status (UP) == UP" && c.Success);

        // The body is judged on the server with the server's conditions: a worker only says what it saw.
        _target.Body = """{"status":"DOWN"}""";
        await Ports.WaitAsync(async () => Remote(await _serve.ChecksAsync()).Status == "down", "both workers' reports judged down\n" + Output());
        Assert.Single(await _serve.AlertsAsync(), a => a.Name == "check-down" && a.Labels["check"] == "remote");
        Assert.Contains(Remote(await _serve.ChecksAsync()).Last!.Conditions, c => c.Condition == "[BODY].status (DOWN) == UP" && !c.Success);
    }

    [Fact]
    public async Task OneBrokenPath_PagesNobody_TwoLocationsDown_AreTheQuorum()
    {
        var (url, token) = ServerAndToken();
        // w2's route to the target is broken: it probes the same check, but its connections go to a closed port, so it
        // sees a real "connection refused" while w1 reaches the target.
        var closed = Ports.Free();
        await using var w1 = new WorkerCheckRunner(url, token, "w1", RealTime.Clock);
        await using var w2 = new WorkerCheckRunner(url, token, "w2", RealTime.Clock, probe: new BrokenPath(closed));
        using var stop = new CancellationTokenSource();
        var loops = Task.WhenAll(w1.RunAsync(stop.Token), w2.RunAsync(stop.Token));

        await Ports.WaitAsync(async () => Remote(await _serve.ChecksAsync()).Locations.GetValueOrDefault("w2") == "down"
            && Remote(await _serve.ChecksAsync()).Locations.GetValueOrDefault("w1") == "up", "w1 up and w2 down\n" + _serve.Output);
        var w1Reports = w1.Reported;
        await Ports.WaitAsync(() => Task.FromResult(w1.Reported >= w1Reports + 5), "five more reports of w1");
        Assert.Equal("up", Remote(await _serve.ChecksAsync()).Status);
        Assert.DoesNotContain(await _serve.AlertsAsync(), a => a.Name == "check-down" && a.Labels["check"] == "remote");
        Assert.Equal(new[] { "remote" }, w1.Checks);

        _target.Status = 503;
        await Ports.WaitAsync(async () => Remote(await _serve.ChecksAsync()).Status == "down", "the verdict down once both locations see it down\n" + _serve.Output);
        Assert.Single(await _serve.AlertsAsync(), a => a.Name == "check-down" && a.Labels["check"] == "remote");

        await stop.CancelAsync();
        await loops;
    }

    [Fact]
    public async Task HostileReports_AreRefusedNamingTheField_AndChangeNothing()
    {
        var (url, token) = ServerAndToken();
        using var http = new HttpClient { BaseAddress = url };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        // What a worker is handed: only the checks that run from workers, and no condition.
        var handed = await http.GetStringAsync(WorkerRoutes.Checks[1..]);
        var view = JsonSerializer.Deserialize(handed, WorkerJson.Default.WorkerChecksView)!;
        Assert.Equal(new[] { "remote" }, view.Checks.Select(c => c.Name));
        Assert.DoesNotContain("STATUS", handed, StringComparison.Ordinal);

        async Task<(HttpStatusCode Status, string Body)> PostAsync(string json, HttpClient? client = null)
        {
            using var content = new StringContent(json, Encoding.UTF8, "application/json");
            using var r = await (client ?? http).PostAsync(WorkerRoutes.CheckResults[1..], content);
            return (r.StatusCode, await r.Content.ReadAsStringAsync());
        }

        static string Probe(string worker = "w9", string check = "remote", string extra = "") =>
            $$"""{"worker":"{{worker}}","check":"{{check}}","status":200,"responseTimeMs":3,"body":"{\"status\":\"UP\"}","connected":true{{extra}}}""";

        using (var anonymous = new HttpClient { BaseAddress = url })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await PostAsync(Probe(), anonymous)).Status);
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(WorkerRoutes.Checks[1..])).StatusCode);
        }

        (string Json, HttpStatusCode Status, string Field)[] hostile =
        [
            ("{\"worker\":", HttpStatusCode.BadRequest, "\"field\":"),
            ("[1,2]", HttpStatusCode.BadRequest, "\"field\":\"body\""),
            ("{\"worker\":\"w9\",\"check\":\"remote\",\"status\":\"two hundred\"}", HttpStatusCode.BadRequest, "\"field\":\"status\""),
            (Probe(extra: ",\"status\":999"), HttpStatusCode.BadRequest, "\"field\":\"status\""),
            (Probe(extra: ",\"responseTimeMs\":-5"), HttpStatusCode.BadRequest, "\"field\":\"responseTimeMs\""),
            (Probe(extra: ",\"dnsRcode\":\"FINE\""), HttpStatusCode.BadRequest, "\"field\":\"dnsRcode\""),
            (Probe(extra: ",\"certificateExpiresInSeconds\":1e300"), HttpStatusCode.BadRequest, "\"field\":\"certificateExpiresInSeconds\""),
            (Probe(worker: "local"), HttpStatusCode.BadRequest, "\"field\":\"worker\""),
            (Probe(worker: "../../etc"), HttpStatusCode.BadRequest, "\"field\":\"worker\""),
            (Probe(worker: new string('w', 65)), HttpStatusCode.BadRequest, "\"field\":\"worker\""),
            (Probe(check: "nope"), HttpStatusCode.BadRequest, "\"field\":\"check\""),
            (Probe(check: "local-only"), HttpStatusCode.BadRequest, "does not run from workers"),
            ("{\"worker\":\"w9\",\"check\":\"remote\",\"responseTimeMs\":1,\"connected\":true,\"body\":\"" + new string('x', HttpProbe.MaxBody + 1) + "\"}", HttpStatusCode.BadRequest, "\"field\":\"body\""),
            ("{\"worker\":\"w9\",\"check\":\"remote\",\"body\":\"" + new string('x', RemoteChecks.MaxReportBytes) + "\"}", HttpStatusCode.RequestEntityTooLarge, "\"field\":\"body\""),
        ];
        foreach (var (json, status, field) in hostile)
        {
            var (got, body) = await PostAsync(json);
            Assert.True(got == status && body.Contains(field, StringComparison.Ordinal), $"{(json.Length > 120 ? json[..120] + "…" : json)} → {(int)got} {body}");
        }

        // None of them counted: no location w9 or local on the check, which no worker has reported yet.
        var check = Remote(await _serve.ChecksAsync());
        Assert.Equal("unknown", check.Status);
        Assert.Empty(check.Locations);

        // A well-formed report is taken (202) and counts as its worker's location.
        Assert.Equal(HttpStatusCode.Accepted, (await PostAsync(Probe())).Status);
        await Ports.WaitAsync(async () => Remote(await _serve.ChecksAsync()).Locations.ContainsKey("w9"), "w9's report counted");
    }

    private static Catalytic.Contracts.Checks.CheckView Remote(IReadOnlyList<Catalytic.Contracts.Checks.CheckView> checks) => checks.Single(c => c.Name == "remote");

    private (Uri Url, string Token) ServerAndToken()
    {
        using var info = JsonDocument.Parse(File.ReadAllText(_dir.File(".catalytic/server.json")));
        return (new Uri(info.RootElement.GetProperty("url").GetString()!), File.ReadAllText(_dir.File(".catalytic/server.token")).Trim());
    }

    private readonly StringBuilder _workerOutput = new();

    private string Output()
    {
        lock (_workerOutput)
        {
            return _serve.Output + "\n--- workers:\n" + _workerOutput;
        }
    }

    private void StartWorker(string name)
    {
        var psi = new ProcessStartInfo("dotnet") { WorkingDirectory = _dir.Path, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { ServeProcess.Dll(), "worker", "--name", name, "--work-dir", _dir.File("work-" + name) })
        {
            psi.ArgumentList.Add(a);
        }

        var p = Process.Start(psi)!;
        void Append(string? line)
        {
            if (line is not null)
            {
                lock (_workerOutput)
                {
                    _workerOutput.Append(name).Append(": ").AppendLine(line);
                }
            }
        }

        p.OutputDataReceived += (_, e) => Append(e.Data);
        p.ErrorDataReceived += (_, e) => Append(e.Data);
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        _workers.Add(p);
    }

    /// <summary>The real probes, over a broken route: every connection goes to <paramref name="closedPort"/>, where nothing listens.</summary>
    private sealed class BrokenPath(int closedPort) : IProbe
    {
        private readonly ProbeSet _probes = new(RealTime.Clock);

        public Task<ProbeResult> ProbeAsync(CheckConfig check, CancellationToken ct) =>
            _probes.ProbeAsync(check with { Url = new UriBuilder(check.Url) { Port = closedPort }.Uri }, ct);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var p in _workers)
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
                await Eventually.CompletesAsync(p.WaitForExitAsync(), "a check worker to die of SIGKILL");
            }

            p.Dispose();
        }

        await _serve.DisposeAsync();
        await _target.DisposeAsync();
        _dir.Dispose();
    }
}
