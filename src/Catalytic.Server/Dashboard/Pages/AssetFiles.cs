using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace Catalytic.Server.Dashboard.Pages;

/// <summary>
/// The dashboard's scripts, styles and icon, embedded in the server's assembly (Dashboard/Assets, logical names
/// <c>dashboard/…</c>), so the one `catalytic` executable carries them: no files beside it, no CDN, no build step.
/// Read once at start; each answer has a strong ETag (a hash of the bytes), so a browser revalidates instead of
/// keeping a stale script after an upgrade.
/// </summary>
internal static class AssetFiles
{
    private const string Prefix = "dashboard/";

    private static readonly FrozenDictionary<string, Asset> Files = Load();

    /// <summary>The embedded files by name (e.g. <c>app.js</c>, <c>pages/deployments.js</c>).</summary>
    public static IReadOnlyCollection<string> Names => Files.Keys;

    /// <summary>The bytes of one asset, or null.</summary>
    public static byte[]? Bytes(string name) => Files.TryGetValue(name, out var a) ? a.Bytes : null;

    public static async Task ServeAsync(HttpContext http, string path)
    {
        if (!Files.TryGetValue(path, out var asset))
        {
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        http.Response.Headers.ETag = asset.ETag;
        http.Response.Headers.CacheControl = "no-cache";
        if (http.Request.Headers.IfNoneMatch.ToString() == asset.ETag)
        {
            http.Response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        http.Response.ContentType = asset.ContentType;
        http.Response.ContentLength = asset.Bytes.Length;
        await http.Response.Body.WriteAsync(asset.Bytes, http.RequestAborted);
    }

    private static FrozenDictionary<string, Asset> Load()
    {
        var assembly = typeof(AssetFiles).Assembly;
        var files = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            files[name[Prefix.Length..]] = new Asset(bytes, ContentTypeOf(name), "\"" + Convert.ToHexStringLower(SHA256.HashData(bytes))[..16] + "\"");
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string ContentTypeOf(string name) => Path.GetExtension(name) switch
    {
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };

    private sealed record Asset(byte[] Bytes, string ContentType, string ETag);
}
