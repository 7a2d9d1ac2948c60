namespace Catalytic.Workflows.Expressions.Checking;

/// <summary>
/// What an expression may use at one place in a workflow: the contexts, and the special functions
/// (<c>hashFiles</c>, <c>success</c>, <c>failure</c>, <c>cancelled</c>, <c>always</c>) — other functions are usable everywhere.
/// </summary>
public sealed class ExpressionScope
{
    public ExpressionScope(IEnumerable<string> contexts, IEnumerable<string> specialFunctions)
    {
        ArgumentNullException.ThrowIfNull(contexts);
        ArgumentNullException.ThrowIfNull(specialFunctions);
        Contexts = new HashSet<string>(contexts, StringComparer.OrdinalIgnoreCase);
        SpecialFunctions = new HashSet<string>(specialFunctions, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Allowed context names (case-insensitive).</summary>
    public IReadOnlySet<string> Contexts { get; }

    /// <summary>Allowed special functions (case-insensitive).</summary>
    public IReadOnlySet<string> SpecialFunctions { get; }

    public bool IsContextAvailable(string name) => Contexts.Contains(name);

    public bool IsFunctionAvailable(FunctionInfo function)
    {
        ArgumentNullException.ThrowIfNull(function);
        return function.Availability == FunctionAvailability.Always || SpecialFunctions.Contains(function.Name);
    }

    /// <summary>True when status functions are allowed, i.e. this is an <c>if:</c>.</summary>
    public bool AllowsStatusFunctions => SpecialFunctions.Contains("success");
}
