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

