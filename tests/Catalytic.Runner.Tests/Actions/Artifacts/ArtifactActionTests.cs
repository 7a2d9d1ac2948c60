using Catalytic.Runner.Actions.BuiltIn.Artifacts;

namespace Catalytic.Runner.Tests.Actions.Artifacts;

public sealed class ArtifactActionTests
{
    private static async Task<ActionProbe> UploadAsync(string ws, string run, Dictionary<string, string> inputs, bool succeed = true)
    {
        var probe = new ActionProbe();
        var result = await new UploadArtifactAction().RunAsync(probe.Context(ws, inputs, runDirectory: run), CancellationToken.None);
        Assert.True(result.Succeeded == succeed, result.Message ?? probe.LogText);
        probe.Outputs["__message"] = result.Message ?? string.Empty;
        return probe;
    }

    private static async Task<ActionProbe> DownloadAsync(string ws, string run, Dictionary<string, string> inputs, bool succeed = true)
    {
        var probe = new ActionProbe();
        var result = await new DownloadArtifactAction().RunAsync(probe.Context(ws, inputs, runDirectory: run), CancellationToken.None);
        Assert.True(result.Succeeded == succeed, result.Message ?? probe.LogText);
        probe.Outputs["__message"] = result.Message ?? string.Empty;
        return probe;
    }

    [Fact]
    public async Task UploadThenDownload_BetweenTwoJobs_MovesFilesUnderTheGlobRoot()
    {
        using var dir = new TempDir();
        var run = dir.Combine("run");
        dir.Write("build/ws/dist/app.js", "app");
        dir.Write("build/ws/dist/css/site.css", "css");
        dir.Write("build/ws/dist/app.js.map", "map");

        var up = await UploadAsync(dir.Combine("build/ws"), run, new() { ["name"] = "web", ["path"] = "dist/**\n!dist/**/*.map", ["retention-days"] = "5" });
        var down = await DownloadAsync(dir.Combine("deploy/ws"), run, new() { ["name"] = "web", ["path"] = "out" });

        Assert.Equal("1", up.Outputs["artifact-id"]);
        Assert.Equal("app", File.ReadAllText(dir.Combine("deploy/ws/out/app.js")));
        Assert.Equal("css", File.ReadAllText(dir.Combine("deploy/ws/out/css/site.css")));
        Assert.False(File.Exists(dir.Combine("deploy/ws/out/app.js.map")));
        Assert.Equal(dir.Combine("deploy/ws/out"), down.Outputs["download-path"]);
        var listed = Assert.Single(ArtifactStore.List(run));
        Assert.Equal(("web", 2, 6L, (int?)5), (listed.Name, listed.FileCount, listed.SizeBytes, listed.RetentionDays));
    }

    [Fact]
    public async Task Upload_SeveralPaths_UsesLeastCommonAncestorAsRoot()
    {
        using var dir = new TempDir();
        var ws = dir.Combine("ws");
        dir.Write("ws/reports/unit/a.xml", "a");
        dir.Write("ws/reports/e2e/b.xml", "b");
        await UploadAsync(ws, dir.Combine("run"), new() { ["path"] = "reports/unit/*.xml\nreports/e2e/" });

        await DownloadAsync(ws, dir.Combine("run"), new() { ["name"] = "artifact", ["path"] = "got" });

        Assert.True(File.Exists(Path.Combine(ws, "got/unit/a.xml")));
        Assert.True(File.Exists(Path.Combine(ws, "got/e2e/b.xml")));
    }

    [Fact]
    public async Task Upload_SingleFile_KeepsOnlyItsName()
    {
        using var dir = new TempDir();
        var ws = dir.Combine("ws");
        dir.Write("ws/deep/dir/report.txt", "r");
        await UploadAsync(ws, dir.Combine("run"), new() { ["name"] = "r", ["path"] = "deep/dir/report.txt" });

        await DownloadAsync(ws, dir.Combine("run"), new() { ["name"] = "r", ["path"] = "got" });

        Assert.True(File.Exists(Path.Combine(ws, "got/report.txt")));
    }

    [Fact]
    public async Task Upload_HiddenFiles_AreLeftOutUnlessAsked()
    {
        using var dir = new TempDir();
        var ws = dir.Combine("ws");
        dir.Write("ws/out/visible.txt", "v");
        dir.Write("ws/out/.env", "SECRET=1");
        dir.Write("ws/out/.git/config", "c");
        await UploadAsync(ws, dir.Combine("run"), new() { ["name"] = "plain", ["path"] = "out" });
        await UploadAsync(ws, dir.Combine("run"), new() { ["name"] = "all", ["path"] = "out", ["include-hidden-files"] = "true" });

        var list = ArtifactStore.List(dir.Combine("run"));

        Assert.Equal(1, list.Single(a => a.Name == "plain").FileCount);
        Assert.Equal(3, list.Single(a => a.Name == "all").FileCount);
    }

    [Fact]
    public async Task Upload_NoFilesWithIfNoFilesFoundError_Fails()
    {
        using var dir = new TempDir();
        var probe = await UploadAsync(dir.Combine("ws"), dir.Combine("run"), new() { ["path"] = "missing/**", ["if-no-files-found"] = "error" }, succeed: false);

        Assert.Contains("No files were found with the provided path: missing/**", probe.Outputs["__message"]);
    }

    [Fact]
    public async Task Upload_NoFilesByDefault_WarnsAndSucceeds()
    {
        using var dir = new TempDir();
        var probe = await UploadAsync(dir.Combine("ws"), dir.Combine("run"), new() { ["path"] = "missing" });

        Assert.Contains("Warning: No files were found", probe.LogText);
        Assert.Empty(ArtifactStore.List(dir.Combine("run")));
    }

    [Fact]
    public async Task List_UnreadableRecord_IsLeftOutAndLogged()
    {
        using var dir = new TempDir();
        dir.Write("ws/a.txt", "1");
        await UploadAsync(dir.Combine("ws"), dir.Combine("run"), new() { ["name"] = "x", ["path"] = "a.txt" });
        dir.Write("run/artifacts/broken.artifact.json", "{ not json");
        var log = new RecordingLogger();

        Assert.Equal("x", Assert.Single(ArtifactStore.List(dir.Combine("run"), log)).Name);
        var entry = Assert.Single(log.Entries, e => e.Id.Id == 4008);
        Assert.Contains("broken.artifact.json", entry.Message);
    }

    [Fact]
    public async Task Upload_DuplicateName_FailsUnlessOverwrite()
    {
        using var dir = new TempDir();
        var ws = dir.Combine("ws");
        dir.Write("ws/a.txt", "1");
        await UploadAsync(ws, dir.Combine("run"), new() { ["name"] = "x", ["path"] = "a.txt" });
        var duplicate = await UploadAsync(ws, dir.Combine("run"), new() { ["name"] = "x", ["path"] = "a.txt" }, succeed: false);
        dir.Write("ws/a.txt", "2");
        var replaced = await UploadAsync(ws, dir.Combine("run"), new() { ["name"] = "x", ["path"] = "a.txt", ["overwrite"] = "true" });

        Assert.Contains("already exists", duplicate.Outputs["__message"]);
        Assert.Equal("2", replaced.Outputs["artifact-id"]);
        Assert.Equal("2", File.ReadAllText(Path.Combine(ArtifactStore.FilesOf(dir.Combine("run"), "x"), "a.txt")));
        Assert.Single(ArtifactStore.List(dir.Combine("run")));
    }

    [Fact]
    public async Task Download_WithoutName_PutsEachArtifactInItsFolderOrMergesThem()
    {
        using var dir = new TempDir();
        var ws = dir.Combine("ws");
        var run = dir.Combine("run");
        dir.Write("ws/l/linux.bin", "l");
        dir.Write("ws/w/windows.exe", "w");
        dir.Write("ws/d/doc.md", "d");
        await UploadAsync(ws, run, new() { ["name"] = "bin-linux", ["path"] = "l" });
        await UploadAsync(ws, run, new() { ["name"] = "bin-windows", ["path"] = "w" });
        await UploadAsync(ws, run, new() { ["name"] = "docs", ["path"] = "d" });

        await DownloadAsync(ws, run, new() { ["path"] = "all" });
        await DownloadAsync(ws, run, new() { ["path"] = "merged", ["pattern"] = "bin-*", ["merge-multiple"] = "true" });

        Assert.True(File.Exists(Path.Combine(ws, "all/bin-linux/linux.bin")));
        Assert.True(File.Exists(Path.Combine(ws, "all/docs/doc.md")));
        Assert.Equal(["linux.bin", "windows.exe"], Directory.GetFiles(Path.Combine(ws, "merged")).Select(Path.GetFileName).Order().ToArray());
    }

    [Fact]
    public async Task Download_UnknownName_FailsListingWhatExists()
    {
        using var dir = new TempDir();
        var ws = dir.Combine("ws");
        dir.Write("ws/a.txt", "1");
        await UploadAsync(ws, dir.Combine("run"), new() { ["name"] = "there", ["path"] = "a.txt" });

        var probe = await DownloadAsync(ws, dir.Combine("run"), new() { ["name"] = "nope" }, succeed: false);

        Assert.Contains("Artifact not found for name: nope", probe.Outputs["__message"]);
        Assert.Contains("there", probe.Outputs["__message"]);
    }
}
