namespace Catalytic.Runner.Actions;

/// <summary>
/// Looks up the built-in action for a step's <c>uses: owner/name[/path]@ref</c>. Built from the
/// injected list of <see cref="IBuiltinAction"/>; names match case-insensitively and the ref is ignored.
/// </summary>
public sealed class ActionRegistry
{
    private readonly Dictionary<string, IBuiltinAction> _byName = new(StringComparer.OrdinalIgnoreCase);

    public ActionRegistry(IEnumerable<IBuiltinAction> actions)
    {
        foreach (var action in actions)
        {
            foreach (var name in action.Names)
            {
                _byName[name.Trim()] = action;
            }
        }
    }

    public static ActionRegistry Empty { get; } = new([]);

    /// <summary>The names registered, for messages.</summary>
    public IEnumerable<string> Names => _byName.Keys.Order(StringComparer.OrdinalIgnoreCase);

    /// <summary>Finds the action for <paramref name="uses"/> (e.g. <c>actions/checkout@v4</c>); null when none answers.</summary>
    public IBuiltinAction? Find(string uses)
    {
        var at = uses.IndexOf('@', StringComparison.Ordinal);
        var name = (at < 0 ? uses : uses[..at]).Trim().TrimEnd('/');
        return _byName.GetValueOrDefault(name);
    }

    /// <summary>True for <c>./path</c> local actions and reusable-workflow references.</summary>
    public static bool IsLocal(string uses) => uses.StartsWith("./", StringComparison.Ordinal);
}

/// <summary>Finds the built-in actions compiled into the runner, so a new one needs no registration edit.</summary>
public static class BuiltinActionCatalog
{
    /// <summary>
    /// Every non-abstract <see cref="IBuiltinAction"/> in this assembly with a public parameterless constructor.
    /// Actions that need collaborators (delivery, storage) are added by the host to <c>RunOptions.Actions</c>.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "The CLI is not trimmed.")]
    public static IReadOnlyList<IBuiltinAction> Discover() =>
        typeof(IBuiltinAction).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IBuiltinAction).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null)
            .Select(t => (IBuiltinAction)Activator.CreateInstance(t)!)
            .ToList();
}
