using System.Formats.Tar;
using Catalytic.Platform.Archives;
using Catalytic.Testing.Files;

namespace Catalytic.Platform.Tests.Archives;

/// <summary>
/// The one tar reader: strict rules for uploads, links inside the folder for toolchains, and nothing written outside
/// the folder whatever the archive says (each hostile case also checks the place it aimed at stays empty).
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class TarExtractorTests : IDisposable
{
    private static readonly TarRules Toolchain = new() { SymbolicLinks = true, SkipOtherEntries = true, Overwrite = true, FolderName = "the toolchain folder" };

    private readonly TempFolder _dir = new("tar");

    private string Target => _dir["out"];

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Strict_PlainFilesAndFolders_AreWritten_WithTheExecuteBitOnly()
    {
        var files = await ExtractAsync(new TarRules(), w =>
        {
            w.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "./"));
            w.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "bin/"));
            w.WriteEntry(File("bin/tool", "run", UnixFileMode.UserRead | UnixFileMode.UserExecute));
            w.WriteEntry(File("readme", "hello", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherWrite));
        });

        Assert.Equal(["bin/tool", "readme"], files);
        Assert.Equal("hello", System.IO.File.ReadAllText(Path.Combine(Target, "readme")));
        Assert.NotEqual(default, System.IO.File.GetUnixFileMode(Path.Combine(Target, "bin/tool")) & UnixFileMode.OtherExecute);
        Assert.Equal(default, System.IO.File.GetUnixFileMode(Path.Combine(Target, "readme")) & UnixFileMode.UserExecute);
    }

    [Theory]
    [InlineData("../escaped", "points outside the folder")]
    [InlineData("a/../../escaped", "points outside the folder")]
    [InlineData("/tmp/escaped", "is not a relative path inside the folder")]
    [InlineData("a\\..\\escaped", "is not a relative path inside the folder")]
    public async Task Strict_NameOutsideTheFolder_IsRefused(string name, string message)
    {
        var e = await Assert.ThrowsAsync<TarRefusedException>(() => ExtractAsync(new TarRules(), w => w.WriteEntry(File(name, "x"))));
        Assert.Contains(message, e.Message);
        Assert.False(e.TooLarge);
        Assert.False(System.IO.File.Exists(_dir["escaped"]));
    }

    [Theory]
    [InlineData(TarEntryType.SymbolicLink)]
    [InlineData(TarEntryType.HardLink)]
    public async Task Strict_Links_AreRefused(TarEntryType type)
    {
        var e = await Assert.ThrowsAsync<TarRefusedException>(() => ExtractAsync(new TarRules(), w =>
            w.WriteEntry(new PaxTarEntry(type, "link") { LinkName = "readme" })));
        Assert.Contains($"is a {type}; only plain files and folders are unpacked", e.Message);
    }

    [Fact]
    public async Task Strict_OverTheLimits_IsTooLarge()
    {
        var entries = await Assert.ThrowsAsync<TarRefusedException>(() => ExtractAsync(new TarRules { MaxEntries = 1 }, w =>
        {
            w.WriteEntry(File("a", "1"));
            w.WriteEntry(File("b", "2"));
        }));
        Assert.True(entries.TooLarge);

        var bytes = await Assert.ThrowsAsync<TarRefusedException>(() => ExtractAsync(new TarRules { MaxBytes = 1000 }, w =>
            w.WriteEntry(File("big", new string('x', 5000)))));
        Assert.True(bytes.TooLarge);
        Assert.Contains("more than 1000 bytes", bytes.Message);
    }

    [Fact]
    public async Task Strict_Garbage_IsNotATarStream()
    {
        Directory.CreateDirectory(Target);
        using var garbage = new MemoryStream([.. Enumerable.Repeat((byte)'x', 2000)]);
        var e = await Assert.ThrowsAsync<TarRefusedException>(() => TarExtractor.ExtractAsync(garbage, Target, new TarRules(), CancellationToken.None));
        Assert.StartsWith("not a tar stream", e.Message);
    }

    [Fact]
    public async Task Toolchain_StripsThePrefix_MakesLinksInside_SkipsHardLinks_AndTheLaterEntryWins()
    {
        var files = await ExtractAsync(Toolchain with { StripPrefix = "package/" }, w =>
        {
            w.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "package/"));
            w.WriteEntry(File("package/lib/cli.js", "old"));
            w.WriteEntry(File("package/lib/cli.js", "new"));
            w.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "package/bin/npm") { LinkName = "../lib/cli.js" });
            w.WriteEntry(new PaxTarEntry(TarEntryType.HardLink, "package/bin/hard") { LinkName = "package/lib/cli.js" });
            w.WriteEntry(File("elsewhere/skipped", "x"));
        });

        Assert.Equal(["lib/cli.js", "lib/cli.js"], files);
        Assert.Equal("new", System.IO.File.ReadAllText(Path.Combine(Target, "bin/npm")));
        Assert.False(Path.Exists(Path.Combine(Target, "bin/hard")));
        Assert.False(Path.Exists(Path.Combine(Target, "elsewhere")));
    }

    [Theory]
    [InlineData("/etc", "is not a relative path inside the toolchain folder")]
    [InlineData("../..", "outside the toolchain folder")]
    [InlineData("sub/../../..", "climbs after it descends")]
    public async Task Toolchain_LinkOutsideTheFolder_IsRefused(string linkName, string message)
    {
        var e = await Assert.ThrowsAsync<TarRefusedException>(() => ExtractAsync(Toolchain, w =>
            w.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "a/link") { LinkName = linkName })));
        Assert.Contains(message, e.Message);
        Assert.False(Path.Exists(Path.Combine(Target, "a/link")));
    }

    /// <summary>
    /// The escape the earlier toolchain unpacker let through, where each link was checked alone: "d/up" → ".." is the
    /// folder itself, so "d/up/out" → "../.." (textually the folder) is really made at "out" and names the folder's
    /// grandparent, and "d/up/out/escaped" is written there. A link or file beneath a link is refused.
    /// </summary>
    [Fact]
    public async Task Toolchain_LinkBeneathALink_IsRefused_AndNothingLandsOutside()
    {
        var e = await Assert.ThrowsAsync<TarRefusedException>(() => ExtractAsync(Toolchain, w =>
        {
            w.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "d/"));
            w.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "d/up") { LinkName = ".." });
            w.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "d/up/out") { LinkName = "../.." });
            w.WriteEntry(File("d/up/out/escaped", "x"));
        }));
        Assert.Contains("'d/up/out' is beneath or replaces a link", e.Message);
        Assert.False(Path.Exists(Path.Combine(Target, "out")));
        Assert.False(System.IO.File.Exists(Path.Combine(Path.GetDirectoryName(_dir.Path)!, "escaped")));
    }

    [Fact]
    public async Task Toolchain_FileReplacingALink_IsRefused()
    {
        var e = await Assert.ThrowsAsync<TarRefusedException>(() => ExtractAsync(Toolchain, w =>
        {
            w.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "link") { LinkName = "target" });
            w.WriteEntry(File("link", "through the link"));
        }));
        Assert.Contains("is beneath or replaces a link", e.Message);
        Assert.False(Path.Exists(Path.Combine(Target, "target")));
    }

    private static PaxTarEntry File(string name, string content, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite) =>
        new(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content)), Mode = mode };

    private async Task<IReadOnlyList<string>> ExtractAsync(TarRules rules, Action<TarWriter> write)
    {
        using var stream = new MemoryStream();
        using (var writer = new TarWriter(stream, TarEntryFormat.Pax, leaveOpen: true))
        {
            write(writer);
        }

        stream.Position = 0;
        return await TarExtractor.ExtractAsync(stream, Target, rules, CancellationToken.None);
    }
}
