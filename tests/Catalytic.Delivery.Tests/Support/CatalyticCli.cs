namespace Catalytic.Delivery.Tests.Support;

/// <summary>
/// The built `catalytic` CLI next to this repository's sources (the test project builds it first): the test host is not
/// catalytic, so in-process supervisors are given its log masking stage explicitly.
/// </summary>
public static class CatalyticCli
{
    /// <summary>src/Catalytic.Cli/bin/CONFIGURATION/net10.0/catalytic.dll</summary>
    public static string Dll => Path.Combine(Folder(), "catalytic.dll");

    /// <summary>The CLI's hidden verb that runs an instance's log masking stage (Cli/Commands/MaskLogStage.Verb).</summary>
    public const string MaskVerb = "__mask-log";

    /// <summary>The stage as the supervisor starts it: the CLI's own launcher with the hidden verb.</summary>
    public static IReadOnlyList<string> MaskCommand => [Path.Combine(Folder(), "catalytic"), MaskVerb];

    private static string Folder()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Catalytic.slnx")))
        {
            dir = dir.Parent;
        }

        var configuration = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
        var folder = Path.Combine(dir!.FullName, "src", "Catalytic.Cli", "bin", configuration, "net10.0");
        Assert.True(File.Exists(Path.Combine(folder, "catalytic.dll")), $"{folder}/catalytic.dll is missing; build src/Catalytic.Cli");
        return folder;
    }
}
