using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Catalytic.Delivery.Model;

namespace Catalytic.Delivery.Releases;

/// <summary>
/// The immutable release store: an artifact folder is copied once to &lt;root&gt;/&lt;app&gt;/&lt;version&gt;/ and never
/// changed again. The copy goes to a temporary folder first and is renamed into place, so a release folder
/// either exists whole or not at all.
/// </summary>
public sealed partial class ReleaseStore(string root, TimeProvider time)
{
    /// <summary>The folder holding every app's releases (.catalytic/releases).</summary>
    public string Root { get; } = root;

    /// <summary>
    /// Copies <paramref name="artifactDirectory"/> into the store as (<paramref name="app"/>, <paramref name="version"/>);
    /// the version defaults to the first 12 hex digits of the content hash. An existing version with the same content
    /// is reused; with different content it is an error (releases are immutable).
    /// </summary>
    public ReleaseResult Create(string app, string artifactDirectory, string? version)
    {
        if (!Directory.Exists(artifactDirectory))
        {
            return ReleaseResult.Fail($"artifact folder '{artifactDirectory}' does not exist");
        }

        if (version is not null && !VersionRegex().IsMatch(version))
        {
            return ReleaseResult.Fail($"version '{version}' must be letters, digits, '.', '_', '+' or '-' (at most 64)");
        }

        var hash = ContentHash(artifactDirectory);
        version ??= hash[..12];
        var target = Path.Combine(Root, app, version);
        if (Directory.Exists(target))
        {
            var existing = File.Exists(Path.Combine(target, HashFile)) ? File.ReadAllText(Path.Combine(target, HashFile)).Trim() : "";
            return existing == hash
                ? ReleaseResult.Ok(new Release(app, version, target, new DateTimeOffset(Directory.GetCreationTimeUtc(target), TimeSpan.Zero)), reused: true)
                : ReleaseResult.Fail($"release {app} {version} already exists with different content; releases are immutable, pick another --version");
        }

        Directory.CreateDirectory(Path.Combine(Root, app));
        var temp = Path.Combine(Root, app, $".tmp-{version}-{Guid.NewGuid():N}");
        CopyTree(artifactDirectory, temp);
        File.WriteAllText(Path.Combine(temp, HashFile), hash);
        try
        {
            Directory.Move(temp, target);
        }
        catch (IOException) when (Directory.Exists(target))
        {
            // Another request created the same version first; ours is redundant.
            Directory.Delete(temp, recursive: true);
        }

        return ReleaseResult.Ok(new Release(app, version, target, time.GetUtcNow()), reused: false);
    }

    /// <summary>The file inside a release folder holding its content hash.</summary>
    public const string HashFile = ".catalytic-release";

    /// <summary>SHA-256 over every file's relative path and bytes, in ordinal order.</summary>
    public static string ContentHash(string directory)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
                     .Select(f => Path.GetRelativePath(directory, f).Replace('\\', '/'))
                     .Where(f => f != HashFile)
                     .Order(StringComparer.Ordinal))
        {
            sha.AppendData(Encoding.UTF8.GetBytes(file + "\0"));
            sha.AppendData(File.ReadAllBytes(Path.Combine(directory, file)));
            sha.AppendData("\0"u8);
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        }

        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var dest = Path.Combine(to, Path.GetRelativePath(from, file));
            File.Copy(file, dest);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(dest, File.GetUnixFileMode(file));
            }
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$")]
    private static partial Regex VersionRegex();
}

/// <summary>The outcome of adding a release: the release, or why not.</summary>
public sealed record ReleaseResult(Release? Release, string? Error, bool Reused)
{
    /// <summary>Success.</summary>
    public static ReleaseResult Ok(Release r, bool reused) => new(r, null, reused);

    /// <summary>Failure with a reason.</summary>
    public static ReleaseResult Fail(string error) => new(null, error, false);
}
