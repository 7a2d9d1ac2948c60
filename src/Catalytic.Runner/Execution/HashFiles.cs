using System.Security.Cryptography;
using Catalytic.Runner.Actions.BuiltIn.Globbing;

namespace Catalytic.Runner.Execution;

/// <summary>
/// <c>hashFiles(patterns…)</c> as GitHub computes it: the files under the workspace selected by the patterns with
/// @actions/glob's rules (<see cref="PathPatternSet"/>, the same reading as cache and upload-artifact: one pattern a
/// line, <c>!</c> excludes, a folder takes everything below it), in path order, `.git/` left out; the SHA-256 of each
/// file fed into one SHA-256; '' when none match. Files outside the workspace are ignored, as GitHub does.
/// </summary>
internal static class HashFiles
{
    public static string Compute(string workspace, IReadOnlyList<string> patterns)
    {
        if (!Directory.Exists(workspace))
        {
            return "";
        }

        var root = Path.GetFullPath(workspace).TrimEnd('/');
        var set = PathPatternSet.Parse(patterns.SelectMany(p => p.Split('\n')), root, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));
        if (set.IncludeCount == 0)
        {
            return "";
        }

        var gitFolder = root + "/.git";
        var files = set.FindFiles(followSymlinks: true)
            .Select(f => f.FullPath)
            .Where(f => PathPatternSet.IsSameOrUnder(f, root) && f != root && !PathPatternSet.IsSameOrUnder(f, gitFolder) && File.Exists(f))
            .ToList();
        if (files.Count == 0)
        {
            return "";
        }

        using var all = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var f in files)
        {
            using var stream = File.OpenRead(f);
            all.AppendData(SHA256.HashData(stream));
        }

        return Convert.ToHexStringLower(all.GetHashAndReset());
    }
}
