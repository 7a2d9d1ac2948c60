namespace Catalytic.Workflows.Expressions;

/// <summary>
/// What the host knows when a status function is called (for a step: the job so far; for a job: its needs).
/// <c>always()</c> is always true and needs no value.
/// </summary>
/// <param name="Success">Value of <c>success()</c>: nothing before failed and the run is not cancelled.</param>
/// <param name="Failure">Value of <c>failure()</c>: something before failed.</param>
/// <param name="Cancelled">Value of <c>cancelled()</c>: the run was cancelled.</param>
public readonly record struct StatusFunctions(bool Success, bool Failure, bool Cancelled);

/// <summary>
/// The named contexts an expression may read (<c>github</c>, <c>env</c>, <c>matrix</c>...; names are
/// case-insensitive) plus the host services behind the functions that touch the outside world.
/// A name that is not set is unknown to the expression (GitHub's "Unrecognized named-value");
/// use <see cref="Declare"/> for a context that is available but empty.
/// </summary>
public sealed class ExpressionContext
{
    /// <summary>GitHub's evaluation memory budget: 1 MiB of live intermediate results.</summary>
    public const long DefaultMaxMemory = 1024 * 1024;

    private readonly Dictionary<string, ExpressionValue> _contexts = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Gets or sets a context. Getting a missing name returns <see cref="ExpressionValue.Null"/>.</summary>
    public ExpressionValue this[string name]
    {
        get => _contexts.TryGetValue(name, out var value) ? value : default;
        set => _contexts[name] = value;
    }

    /// <summary>The context names that expressions may reference.</summary>
    public IReadOnlyCollection<string> Names => _contexts.Keys;

    /// <summary>
    /// Values of <c>success()</c>, <c>failure()</c> and <c>cancelled()</c>; when null those functions and
    /// <c>always()</c> are unavailable (they only exist in <c>if:</c> conditions).
    /// </summary>
    public StatusFunctions? Status { get; set; }

    /// <summary>
    /// Computes <c>hashFiles(patterns...)</c> (the workflow core does no I/O); when null <c>hashFiles</c> is
    /// unavailable. Receives the patterns as strings; returns the hex digest or '' when nothing matched.
    /// </summary>
    public Func<IReadOnlyList<string>, string>? HashFiles { get; set; }

    /// <summary>Live intermediate results allowed during one evaluation, in bytes (UTF-16 strings count 2 per char).</summary>
    public long MaxMemory { get; set; } = DefaultMaxMemory;

    /// <summary>Sets a context and returns this context, for chaining.</summary>
    public ExpressionContext Set(string name, ExpressionValue value)
    {
        ArgumentNullException.ThrowIfNull(name);
        _contexts[name] = value;
        return this;
    }

    /// <summary>Makes <paramref name="name"/> available with a null value unless it is already set.</summary>
    public ExpressionContext Declare(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        _contexts.TryAdd(name, default);
        return this;
    }

    /// <summary>A copy sharing the (immutable) values, for a scope that adds or replaces contexts.</summary>
    public ExpressionContext Clone()
    {
        var copy = new ExpressionContext { Status = Status, HashFiles = HashFiles, MaxMemory = MaxMemory };
        foreach (var (name, value) in _contexts)
        {
            copy._contexts[name] = value;
        }

        return copy;
    }

    public bool Contains(string name) => _contexts.ContainsKey(name);

    public bool TryGetContext(string name, out ExpressionValue value) => _contexts.TryGetValue(name, out value);

    /// <summary>True when <paramref name="functionName"/> (a host-provided function) can be called here.</summary>
    public bool IsFunctionAvailable(string functionName) =>
        FunctionInfo.Find(functionName) is { } f && (f.Availability switch
        {
            FunctionAvailability.Always => true,
            FunctionAvailability.Status => Status is not null,
            _ => HashFiles is not null,
        });
}
