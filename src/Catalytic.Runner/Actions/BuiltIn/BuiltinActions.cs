using Catalytic.Runner.Actions.BuiltIn.Artifacts;
using Catalytic.Runner.Actions.BuiltIn.Cache;
using Catalytic.Runner.Actions.BuiltIn.Checkout;
using Catalytic.Runner.Actions.BuiltIn.PathsFilter;
using Catalytic.Runner.Actions.BuiltIn.Setup;

namespace Catalytic.Runner.Actions.BuiltIn;

/// <summary>The built-in actions the runner offers out of the box.</summary>
public static class BuiltinActions
{
    /// <summary>
    /// A new instance of every built-in action: actions/checkout, actions/setup-{dotnet,node,python,java,go},
    /// actions/cache (+ /restore, /save), actions/{upload,download}-artifact, dorny/paths-filter. The runner
    /// matches a step's `uses:` by `owner/name` (the whole path before `@`, so `actions/cache/restore@v4` is
    /// `actions/cache/restore`) against <see cref="IBuiltinAction.Names"/>, case-insensitively.
    /// </summary>
    public static IReadOnlyList<IBuiltinAction> CreateDefault() =>
    [
        new CheckoutAction(),
        new SetupDotnetAction(),
        new SetupNodeAction(),
        new SetupPythonAction(),
        new SetupJavaAction(),
        new SetupGoAction(),
        new CacheAction(),
        new CacheRestoreAction(),
        new CacheSaveAction(),
        new UploadArtifactAction(),
        new DownloadArtifactAction(),
        new PathsFilterAction(),
    ];

    /// <summary>Finds the action for a `uses:` value (`owner/name[/path]@ref`); null when none is built in.</summary>
    public static IBuiltinAction? Find(IReadOnlyList<IBuiltinAction> actions, string uses)
    {
        var at = uses.IndexOf('@', StringComparison.Ordinal);
        var name = (at >= 0 ? uses[..at] : uses).TrimEnd('/');
        return actions.FirstOrDefault(a => a.Names.Any(n => string.Equals(n, name, StringComparison.OrdinalIgnoreCase)));
    }
}
