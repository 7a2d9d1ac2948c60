using System.Reflection;

namespace Lattice.Api.Observability;

/// <summary>What /version reports.</summary>
public sealed record VersionInfo(string Service, string Version, string Commit, string Runtime)
{
    /// <summary>
    /// APP_VERSION and APP_COMMIT win; otherwise the assembly's informational version, which the pipeline
    /// stamps as <c>1.0.RUN+SHA</c> (<c>-p:Version</c> and <c>-p:SourceRevisionId</c>).
    /// </summary>
    public static VersionInfo Resolve(Func<string, string?> environment)
    {
        var informational = typeof(VersionInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        var assemblyVersion = plus < 0 ? informational : informational[..plus];
        var assemblyCommit = plus < 0 ? null : informational[(plus + 1)..];
        return new VersionInfo(
            "lattice",
            NonEmpty(environment("APP_VERSION")) ?? assemblyVersion,
            NonEmpty(environment("APP_COMMIT")) ?? NonEmpty(assemblyCommit) ?? "unknown",
            System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription);
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
