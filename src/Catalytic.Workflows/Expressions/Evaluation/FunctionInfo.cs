using Catalytic.Workflows.Expressions.Syntax;

namespace Catalytic.Workflows.Expressions;

/// <summary>When a function may be called: everywhere, only in <c>if:</c> (status), or only where files can be hashed.</summary>
public enum FunctionAvailability
{
    Always,
    Status,
    HashFiles,
}

/// <summary>A function the language knows: its canonical name, arity and availability.</summary>
public sealed class FunctionInfo
{
    private static readonly Dictionary<string, FunctionInfo> s_functions = new(StringComparer.OrdinalIgnoreCase);

    static FunctionInfo()
    {
        Add("contains", 2, 2, FunctionAvailability.Always, Evaluation.Builtins.Contains);
        Add("startsWith", 2, 2, FunctionAvailability.Always, Evaluation.Builtins.StartsWith);
        Add("endsWith", 2, 2, FunctionAvailability.Always, Evaluation.Builtins.EndsWith);
        Add("format", 1, byte.MaxValue, FunctionAvailability.Always, Evaluation.Builtins.Format);
        Add("join", 1, 2, FunctionAvailability.Always, Evaluation.Builtins.Join);
        Add("toJSON", 1, 1, FunctionAvailability.Always, Evaluation.Builtins.ToJson);
        Add("fromJSON", 1, 1, FunctionAvailability.Always, Evaluation.Builtins.FromJson);
        Add("case", 3, byte.MaxValue, FunctionAvailability.Always, Evaluation.Builtins.Case, requiresOddCount: true);
        Add("hashFiles", 1, byte.MaxValue, FunctionAvailability.HashFiles, Evaluation.Builtins.HashFiles);
        Add("success", 0, 0, FunctionAvailability.Status, Evaluation.Builtins.Success);
        Add("failure", 0, 0, FunctionAvailability.Status, Evaluation.Builtins.Failure);
        Add("cancelled", 0, 0, FunctionAvailability.Status, Evaluation.Builtins.Cancelled);
        Add("always", 0, 0, FunctionAvailability.Status, Evaluation.Builtins.Always);
        All = [.. s_functions.Values];
    }

    private FunctionInfo(string name, int minArguments, int maxArguments, FunctionAvailability availability, Func<FunctionNode, Evaluation.EvaluationState, ExpressionValue> implementation, bool requiresOddCount)
    {
        Name = name;
        MinArguments = minArguments;
        MaxArguments = maxArguments;
        Availability = availability;
        Implementation = implementation;
        RequiresOddCount = requiresOddCount;
    }

    /// <summary>Every known function.</summary>
    public static IReadOnlyList<FunctionInfo> All { get; }

    public string Name { get; }

    public int MinArguments { get; }

    public int MaxArguments { get; }

    /// <summary>True for <c>case</c>: predicate/value pairs plus a default.</summary>
    public bool RequiresOddCount { get; }

    public FunctionAvailability Availability { get; }

    /// <summary>True for <c>success</c>, <c>failure</c>, <c>cancelled</c> and <c>always</c>.</summary>
    public bool IsStatusFunction => Availability == FunctionAvailability.Status;

    internal Func<FunctionNode, Evaluation.EvaluationState, ExpressionValue> Implementation { get; }

    /// <summary>The function called <paramref name="name"/> (case-insensitive), or null.</summary>
    public static FunctionInfo? Find(string name) => s_functions.GetValueOrDefault(name);

    /// <summary>Null when <paramref name="count"/> arguments are fine, else GitHub's complaint.</summary>
    public string? CheckArgumentCount(int count)
    {
        if (count < MinArguments)
        {
            return $"Too few parameters supplied: '{Name}'";
        }

        if (count > MaxArguments)
        {
            return $"Too many parameters supplied: '{Name}'";
        }

        if (RequiresOddCount && count % 2 == 0)
        {
            return $"Even number of parameters supplied, requires an odd number of parameters: '{Name}'";
        }

        return null;
    }

    internal ExpressionValue Invoke(FunctionNode node, Evaluation.EvaluationState state) => Implementation(node, state);

    private static void Add(string name, int min, int max, FunctionAvailability availability, Func<FunctionNode, Evaluation.EvaluationState, ExpressionValue> implementation, bool requiresOddCount = false) =>
        s_functions.Add(name, new FunctionInfo(name, min, max, availability, implementation, requiresOddCount));
}
