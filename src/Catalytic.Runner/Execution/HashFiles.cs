using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Catalytic.Runner.Execution;

/// <summary>
/// <c>hashFiles(patterns…)</c> as GitHub computes it: the files under the workspace matching the globs
/// (<c>!</c> excludes), in path order; the SHA-256 of each file fed into one SHA-256; '' when none match.
/// </summary>
internal static class HashFiles
{
    public static string Compute(string workspace, IReadOnlyList<string> patterns)
    {
        var include = new List<Regex>();
        var exclude = new List<Regex>();
        foreach (var raw in patterns.SelectMany(p => p.Split('\n')).Select(p => p.Trim()).Where(p => p.Length > 0))
        {
            var negated = raw.StartsWith('!');
            var pattern = (negated ? raw[1..] : raw).TrimStart('.', '/');
            if (Path.IsPathRooted(raw.TrimStart('!')))
            {
                pattern = Path.GetRelativePath(workspace, raw.TrimStart('!'));
            }

            (negated ? exclude : include).Add(ToRegex(pattern));
        }

        if (include.Count == 0 || !Directory.Exists(workspace))
        {
            return "";
        }

        var files = Directory.EnumerateFiles(workspace, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 })
            .Select(f => Path.GetRelativePath(workspace, f).Replace('\\', '/'))
            .Where(f => !f.StartsWith(".git/", StringComparison.Ordinal))
            .Where(f => include.Any(r => r.IsMatch(f)) && !exclude.Any(r => r.IsMatch(f)))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (files.Count == 0)
        {
            return "";
        }

        using var all = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var f in files)
        {
            using var stream = File.OpenRead(Path.Combine(workspace, f));
            all.AppendData(SHA256.HashData(stream));
        }

        return Convert.ToHexStringLower(all.GetHashAndReset());
    }

    private static Regex ToRegex(string glob)
    {
        var sb = new System.Text.StringBuilder("^");
        for (var i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            if (c == '*' && i + 1 < glob.Length && glob[i + 1] == '*')
            {
                // `**/` matches zero or more folders; a trailing `**` everything below.
                if (i + 2 < glob.Length && glob[i + 2] == '/')
                {
                    sb.Append("(?:.*/)?");
                    i += 2;
                }
                else
                {
                    sb.Append(".*");
                    i++;
                }
            }
            else if (c == '*')
            {
                sb.Append("[^/]*");
            }
            else if (c == '?')
            {
                sb.Append("[^/]");
            }
            else
            {
                sb.Append(Regex.Escape(c.ToString()));
            }
        }

        return new Regex(sb.Append('$').ToString(), RegexOptions.CultureInvariant);
    }
}
