using System.Diagnostics;
using Catalytic.Testing.Processes;

namespace Catalytic.Runner.Tests.Services;

/// <summary>
/// The local test image <c>localhost/catalytic-test/busybox:1</c> (busybox in a FROM scratch image; as a service, an
/// HTTP server on port 80 serving /var/www with its environment at /env.txt), built once per test process by
/// tests/podman/build-test-image.sh when podman's store lacks it. Also points podman at tests/podman/containers.conf
/// when CONTAINERS_CONF is not set (this sandbox needs fixed ulimits and runc), as test.sh does.
/// </summary>
internal static class PodmanTestImage
{
    public const string Name = "localhost/catalytic-test/busybox:1";

    private static readonly Lazy<Task<string?>> Build = new(BuildAsync);

    /// <summary>Builds the image if needed; fails the test (never skips) when podman or the image is not available.</summary>
    public static async Task EnsureAsync()
    {
        var error = await Build.Value;
        Assert.True(error is null, error);
    }

    /// <summary>Names of the containers (running or not) whose label <paramref name="label"/> has <paramref name="value"/>.</summary>
    public static string[] Containers(string label, string value)
    {
        var (_, output) = Run("podman", "ps", "-a", "--filter", $"label=catalytic.{label}={value}", "--format", "{{.Names}}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    private static Task<string?> BuildAsync() => Task.Run(() =>
    {
        var root = AppContext.BaseDirectory;
        while (root is not null && !File.Exists(Path.Combine(root, "Catalytic.slnx")))
        {
            root = Path.GetDirectoryName(root);
        }

        if (root is null)
        {
            return "the repository root (Catalytic.slnx) was not found above the test binaries";
        }

        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CONTAINERS_CONF")))
        {
            Environment.SetEnvironmentVariable("CONTAINERS_CONF", Path.Combine(root, "tests", "podman", "containers.conf"));
        }

        var (code, output) = Run(Path.Combine(root, "tests", "podman", "build-test-image.sh"));
        return code == 0 ? null : $"podman test image {Name} could not be built (./test.sh installs podman and busybox-static): {output}";
    });

    private static (int Code, string Output) Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        var r = ProcessRun.Run(psi, deadline: TimeSpan.FromMinutes(5)); // builds an image the first time
        return (r.Code, r.Out + r.Err);
    }
}
