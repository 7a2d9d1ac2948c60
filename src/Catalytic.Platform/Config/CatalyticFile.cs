namespace Catalytic.Platform.Config;

/// <summary>
/// catalytic.yml as a file of sections (<see cref="ConfigFile"/>): read once, then each feature reads its own top-level
/// section into its own config. The list of sections lives here, below every feature, so that whichever project reads
/// the file knows them all and calls none unknown. A feature that adds a section registers its key here and defines
/// a <see cref="ConfigSection{T}"/> in its own folder; see docs/architecture.md.
/// </summary>
public static class CatalyticFile
{
    /// <summary>Every top-level section, with the feature that reads it.</summary>
    public static IReadOnlyList<string> Sections { get; } =
    [
        "apps",    // applications and environments: Delivery (Config/DeliveryConfigParser.Apps)
        "actions", // remote actions mapped to local folders: `catalytic run` (Cli/Commands/RunCommand.ActionDirs)
        "actions-url", // where `catalytic run` fetches remote actions from (Cli/Commands/RunCommand.ActionSources)
        "environments", // pipeline jobs' protection rules: the run queue (Pipelines/Environments/EnvironmentRules)
        "runs", // how long serve keeps runs' logs: the run queue (Pipelines/Runs/RunRetention)
        "repositories", // the repositories serve runs pipelines for: the triggers (Pipelines/Repositories/RepositoriesSection)
        "checks", "notifications", "alerts", "status", // Catalytic.Status (Config/): checks, channels and routes, built-in alerts, the page
    ];

    /// <summary>Reads catalytic.yml's text; <paramref name="file"/> names it in errors.</summary>
    public static ConfigFile Parse(string text, string file = "catalytic.yml") => ConfigFile.Parse(file, text, Sections);

    /// <summary>Reads the file at <paramref name="path"/> (which names it in errors); null when there is no such file.</summary>
    public static ConfigFile? Load(string path) => File.Exists(path) ? Parse(File.ReadAllText(path), path) : null;

    /// <summary>The file at <paramref name="path"/> as it is now, parsed again only when it changes (for <c>serve</c>).</summary>
    public static ConfigFileWatch Watch(string path) => new(path, Parse);
}
