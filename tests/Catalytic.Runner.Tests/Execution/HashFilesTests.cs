using System.Security.Cryptography;
using System.Text;
using Catalytic.Runner.Execution;
using Catalytic.Runner.Tests.Actions;

namespace Catalytic.Runner.Tests.Execution;

/// <summary>
/// hashFiles reads its patterns with @actions/glob's rules (the same <c>PathPatternSet</c> as cache and
/// upload-artifact). Regression: its own glob dropped the leading dots of a pattern, so `.github/**` hashed nothing.
/// </summary>
public sealed class HashFilesTests
{
    [Fact]
    public void Compute_dot_folder_pattern_hashes_its_files()
    {
        using var dir = new TempDir();
        dir.Write(".github/workflows/ci.yml", "on: push");

        Assert.Equal(Expected("on: push"), HashFiles.Compute(dir.Path, [".github/workflows/*.yml"]));
    }

    [Fact]
    public void Compute_folder_takes_everything_below_it_in_path_order_minus_exclusions()
    {
        using var dir = new TempDir();
        dir.Write("src/b.txt", "b");
        dir.Write("src/a.txt", "a");
        dir.Write("src/skip/c.txt", "c");

        Assert.Equal(Expected("a", "b"), HashFiles.Compute(dir.Path, ["src", "!src/skip"]));
        Assert.Equal(HashFiles.Compute(dir.Path, ["src/*.txt"]), HashFiles.Compute(dir.Path, ["src/a.txt\nsrc/b.txt"]));
    }

    [Fact]
    public void Compute_nothing_selected_or_outside_the_workspace_is_empty()
    {
        using var dir = new TempDir();
        dir.Write("w/a.txt", "a");
        dir.Write("outside.txt", "x");
        dir.Write("w/.git/config", "x");

        Assert.Equal("", HashFiles.Compute(dir.Combine("w"), ["nothing/**"]));
        Assert.Equal("", HashFiles.Compute(dir.Combine("w"), ["../outside.txt"]));
        Assert.Equal("", HashFiles.Compute(dir.Combine("w"), ["!a.txt"]));
        Assert.Equal(Expected("a"), HashFiles.Compute(dir.Combine("w"), ["**"]));
    }

    private static string Expected(params string[] contents)
    {
        using var all = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var c in contents)
        {
            all.AppendData(SHA256.HashData(Encoding.UTF8.GetBytes(c)));
        }

        return Convert.ToHexStringLower(all.GetHashAndReset());
    }
}
