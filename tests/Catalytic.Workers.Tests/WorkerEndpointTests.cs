using System.Diagnostics;
using System.Formats.Tar;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Catalytic.Contracts.Workers;
using Catalytic.Pipelines.Workers.Protocol;
using Catalytic.Testing.Waiting;
using Catalytic.Workers.Tests.Support;

namespace Catalytic.Workers.Tests;

/// <summary>
/// Hostile input on every worker route of a real <c>serve</c>: no or a wrong credential, malformed, invalid and
/// oversized bodies, forged leases and leases sealed for another credential, git requests without a lease or for
/// pushing, hostile tar streams and an upload that breaks off — each refused with the field named, and nothing stored.
/// </summary>
public sealed class WorkerEndpointTests : IAsyncLifetime
{
    private WorkerRig _rig = null!;
    private HttpClient _http = null!;

    public async ValueTask InitializeAsync()
    {
        _rig = await WorkerRig.StartAsync();
        _http = new HttpClient { BaseAddress = _rig.Address };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _rig.Token);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _rig.DisposeAsync();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer wrong")]
    public async Task Acquire_WithoutAWorkersCredential_Is401(string? authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/workers/acquire") { Content = Body("""{"name":"w","labels":[],"capacity":1,"waitSeconds":0}""") };
        request.Headers.Authorization = null;
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var plain = new HttpClient { BaseAddress = _rig.Address };
        using var response = await plain.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Empty(_rig.Dispatcher.Workers);
    }

    [Theory]
    [InlineData("{", "body")]
    [InlineData("[]", "body")]
    [InlineData("""{"name":"bad name","labels":[],"capacity":1}""", "name")]
    [InlineData("""{"name":"w","labels":["a b"],"capacity":1}""", "labels[0]")]
    [InlineData("""{"name":"w","labels":[],"capacity":0}""", "capacity")]
    [InlineData("""{"name":"w","labels":[],"capacity":1,"waitSeconds":3600}""", "waitSeconds")]
    [InlineData("""{"name":"w","labels":[],"capacity":1,"running":["l1.forged"]}""", "running[0]")]
    [InlineData("""{"name":"w","labels":[],"capacity":"one"}""", "capacity")]
    public async Task Acquire_Malformed_Is400NamingTheField_AndAsksTheQueueNothing(string body, string field)
    {
        using var response = await _http.PostAsync("api/workers/acquire", Body(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains($"\"field\":\"{field}\"", text, StringComparison.Ordinal);
        Assert.Empty(_rig.Dispatcher.Workers);
    }

    [Fact]
    public async Task Acquire_Oversized_Is413()
    {
        var huge = """{"name":"w","labels":[""" + string.Join(',', Enumerable.Repeat("\"" + new string('a', 99) + "\"", 1000)) + """],"capacity":1}""";
        using var response = await _http.PostAsync("api/workers/acquire", Body(huge));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Acquire_NoJobWithinTheWait_Is204()
    {
        using var response = await _http.PostAsync("api/workers/acquire", Body("""{"name":"w","labels":["linux"],"capacity":1,"waitSeconds":0}"""));
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.True(_rig.Dispatcher.Workers.ContainsKey("w"));
    }

    [Fact]
    public async Task LeaseRoutes_ForgedOrAnotherCredentialsLease_Are404_AndTouchNoLease()
    {
        var id = _rig.Dispatcher.Enqueue(_rig.Spec("on: push\njobs: {}\n"), WorkerRig.Repository, _rig.Sha);
        var others = LeaseSeals.Seal(new LeaseRef(id, 1, WorkerRig.Repository), "another worker's token");
        foreach (var lease in new[] { others, "l1.forged", new string('x', 5000) })
        {
            using var renew = await _http.PostAsync(WorkerRoutes.LeasePath(lease, WorkerRoutes.Renew), Body(""));
            using var report = await _http.PostAsync(WorkerRoutes.LeasePath(lease, WorkerRoutes.Report), Body("""{"sequence":0,"messages":[]}"""));
            using var artifacts = await _http.GetAsync(WorkerRoutes.LeasePath(lease, WorkerRoutes.Artifacts));
            Assert.All([renew, report, artifacts], r => Assert.Equal(HttpStatusCode.NotFound, r.StatusCode));
        }

        Assert.Equal(0, _rig.Dispatcher.Leases[id].Renewals);
        Assert.Equal(0, _rig.Dispatcher.Leases[id].Reports);
    }

    [Theory]
    [InlineData("""{"sequence":-1,"messages":[]}""", "sequence")]
    [InlineData("""{"sequence":0,"messages":[{}]}""", "messages[0]")]
    [InlineData("""{"sequence":0,"messages":[{"stepStarted":"a","jobStarted":"b"}]}""", "messages[0]")]
    [InlineData("""{"sequence":0,"messages":[{"line":{"job":"b","step":"s"}}]}""", "messages[0]")]
    [InlineData("""{"sequence":0,"messages":[{"line":{"job":"b","step":"s","text":"t","kind":"<b>Sparkles</b>"}}]}""", "messages[0]")]
    [InlineData("""{"sequence":0,"messages":[{"line":{"job":"b","step":"s","text":"t","kind":"1"}}]}""", "messages[0]")]
    [InlineData("""{"sequence":0,"messages":[{"line":{"job":"b","step":"s","text":"t"}}]}""", "messages[0]")]
    public async Task Report_Malformed_Is400NamingTheMessage_AndStoresNothing(string body, string field)
    {
        var lease = await TakeAsync();
        using var response = await _http.PostAsync(WorkerRoutes.LeasePath(lease, WorkerRoutes.Report), Body(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains($"\"field\":\"{field}\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.All(_rig.Dispatcher.Leases.Values, l => Assert.Empty(l.Messages));
    }

    [Fact]
    public async Task Complete_WithAnUnknownResult_Is400_AndCompletesNothing()
    {
        var lease = await TakeAsync();
        using var response = await _http.PostAsync(WorkerRoutes.LeasePath(lease, WorkerRoutes.Complete), Body("""{"outcome":{"result":"great","outcome":"great","outputs":{},"report":{}}}"""));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.All(_rig.Dispatcher.Leases.Values, l => Assert.False(l.Outcome.Task.IsCompleted));
    }

    [Fact]
    public async Task Git_WithoutALease_OrToPush_OrOutsideTheMirrors_IsRefused()
    {
        var lease = await TakeAsync();
        using var noLease = await _http.GetAsync(WorkerRoutes.GitPath(WorkerRig.Repository) + "/info/refs?service=git-upload-pack");
        Assert.Equal(HttpStatusCode.Forbidden, noLease.StatusCode);

        _http.DefaultRequestHeaders.Add(WorkerRoutes.LeaseHeader, lease);
        using var push = await _http.GetAsync(WorkerRoutes.GitPath(WorkerRig.Repository) + "/info/refs?service=git-receive-pack");
        Assert.Equal(HttpStatusCode.Forbidden, push.StatusCode);
        using var dumb = await _http.GetAsync(WorkerRoutes.GitPath(WorkerRig.Repository) + "/HEAD");
        Assert.Equal(HttpStatusCode.NotFound, dumb.StatusCode);
        using var other = await _http.GetAsync("api/workers/git/..%2F..%2Fetc.git/info/refs?service=git-upload-pack");
        Assert.NotEqual(HttpStatusCode.OK, other.StatusCode);
        using var fetch = await _http.GetAsync(WorkerRoutes.GitPath(WorkerRig.Repository) + "/info/refs?service=git-upload-pack");
        Assert.Equal(HttpStatusCode.OK, fetch.StatusCode);
        Assert.Contains(_rig.Sha, await fetch.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Git_FetchesTheJobsCommit_WithTheWorkersCredentialAndLease()
    {
        var lease = await TakeAsync();
        using var dir = new Catalytic.Testing.Files.TempFolder("fetch");
        Assert.Equal(0, await GitAsync(dir.Path, null, "init", "-q"));
        var url = new Uri(_rig.Address, WorkerRoutes.GitPath(WorkerRig.Repository)).ToString();
        Assert.NotEqual(0, await GitAsync(dir.Path, null, "fetch", "-q", url, _rig.Sha));
        var env = new Dictionary<string, string>
        {
            ["GIT_CONFIG_COUNT"] = "2",
            ["GIT_CONFIG_KEY_0"] = "http.extraHeader",
            ["GIT_CONFIG_VALUE_0"] = "Authorization: Bearer " + _rig.Token,
            ["GIT_CONFIG_KEY_1"] = "http.extraHeader",
            ["GIT_CONFIG_VALUE_1"] = WorkerRoutes.LeaseHeader + ": " + lease,
        };
        Assert.Equal(0, await GitAsync(dir.Path, env, "fetch", "-q", url, _rig.Sha));
        Assert.Equal(0, await GitAsync(dir.Path, null, "cat-file", "-e", _rig.Sha + "^{commit}"));
        Assert.NotEqual(0, await GitAsync(dir.Path, env, "push", "-q", url, _rig.Sha + ":refs/heads/evil"));
    }

    [Fact]
    public async Task ArtifactUpload_ThatBreaksOff_LeavesNothingVisible()
    {
        var lease = await TakeAsync();
        var tar = Tar(("a.txt", new string('a', 200_000)));
        using var content = new BrokenContent(tar[..(tar.Length / 2)]);
        await Assert.ThrowsAnyAsync<Exception>(() => _http.PutAsync(WorkerRoutes.ArtifactPath(lease, "half"), content));

        await Eventually.UntilAsync(() => !Directory.Exists(_rig.Server!.WorkerFiles!.Incoming) || !Directory.EnumerateFileSystemEntries(_rig.Server!.WorkerFiles!.Incoming).Any(), "the broken upload's folder to be thrown away");
        using var list = await _http.GetAsync(WorkerRoutes.LeasePath(lease, WorkerRoutes.Artifacts));
        Assert.Equal("[]", await list.Content.ReadAsStringAsync());
        using var whole = await _http.PutAsync(WorkerRoutes.ArtifactPath(lease, "whole"), new ByteArrayContent(tar));
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        using var after = await _http.GetAsync(WorkerRoutes.LeasePath(lease, WorkerRoutes.Artifacts));
        var names = await after.Content.ReadAsStringAsync();
        Assert.Contains("\"whole\"", names, StringComparison.Ordinal);
        Assert.DoesNotContain("\"half\"", names, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../escape.txt")]
    [InlineData("/etc/passwd")]
    public async Task ArtifactUpload_WithAPathOutsideTheArtifact_Is400_AndStoresNothing(string entry)
    {
        var lease = await TakeAsync();
        using var response = await _http.PutAsync(WorkerRoutes.ArtifactPath(lease, "evil"), new ByteArrayContent(Tar((entry, "x"))));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"field\":\"body\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var list = await _http.GetAsync(WorkerRoutes.LeasePath(lease, WorkerRoutes.Artifacts));
        Assert.Equal("[]", await list.Content.ReadAsStringAsync());
        Assert.False(File.Exists(Path.Combine(_rig.Server!.WorkerFiles!.Root, "runs", "escape.txt")));
    }

    [Fact]
    public async Task ArtifactUpload_WithALink_Is400()
    {
        var lease = await TakeAsync();
        using var stream = new MemoryStream();
        using (var writer = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true))
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "link") { LinkName = "/etc/passwd" });
        }

        using var response = await _http.PutAsync(WorkerRoutes.ArtifactPath(lease, "links"), new ByteArrayContent(stream.ToArray()));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    /// <summary>Takes the one queued job through the API; returns its sealed lease.</summary>
    private async Task<string> TakeAsync()
    {
        _rig.Dispatcher.Enqueue(_rig.Spec("on: push\njobs: {}\n"), WorkerRig.Repository, _rig.Sha);
        using var response = await _http.PostAsync("api/workers/acquire", Body("""{"name":"w","labels":["linux"],"capacity":1,"waitSeconds":5}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var view = System.Text.Json.JsonSerializer.Deserialize(await response.Content.ReadAsStringAsync(), WorkerJson.Default.WorkerAssignmentView)!;
        return view.Lease;
    }

    private static StringContent Body(string json) => new(json, Encoding.UTF8, "application/json");

    private static byte[] Tar(params (string Name, string Content)[] files)
    {
        using var stream = new MemoryStream();
        using (var writer = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, content) in files)
            {
                writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)) });
            }
        }

        return stream.ToArray();
    }

    private static async Task<int> GitAsync(string dir, IReadOnlyDictionary<string, string>? env, params string[] args)
    {
        var psi = new ProcessStartInfo("git") { WorkingDirectory = dir, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["GIT_TERMINAL_PROMPT"] = "0";
        foreach (var (k, v) in env ?? new Dictionary<string, string>())
        {
            psi.Environment[k] = v;
        }

        using var p = Process.Start(psi)!;
        _ = p.StandardOutput.ReadToEndAsync();
        _ = p.StandardError.ReadToEndAsync();
        await Eventually.CompletesAsync(p.WaitForExitAsync(), "git " + string.Join(' ', args));
        return p.ExitCode;
    }

    /// <summary>A body that sends some bytes and then fails: the client's connection breaks mid-upload.</summary>
    private sealed class BrokenContent(byte[] part) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            await stream.WriteAsync(part);
            await stream.FlushAsync();
            throw new IOException("the worker went away mid-upload");
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
