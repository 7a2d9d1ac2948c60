namespace Catalytic.Fuzz;

/// <summary>
/// One parser of untrusted input, as the fuzzer drives it: <see cref="Run"/> takes any bytes and must return normally.
/// An exception escaping it is a crash (a parser that throws on bad input instead of reporting it, or an invariant the
/// target checks that does not hold). Adding a target is one small class listed in <see cref="FuzzTargets.All"/>.
/// </summary>
public interface IFuzzTarget
{
    /// <summary>The name on the command line and of its corpus folder (fuzz/corpus/NAME).</summary>
    string Name { get; }

    void Run(ReadOnlySpan<byte> input);
}

/// <summary>An invariant of a parser that an input broke: a crash, like an unexpected exception.</summary>
public sealed class FuzzInvariantException(string message) : Exception(message);

/// <summary>
/// Every target the harness knows, by name. Targets are created only when asked for: under afl-fuzz, instrumented code
/// (the parsers' assemblies) must not run before SharpFuzz has set up the coverage map.
/// </summary>
public static class FuzzTargets
{
    private static readonly (string Name, Func<IFuzzTarget> Create)[] Known =
    [
        ("request-head", () => new Targets.RequestHeadTarget()),
        ("response-head", () => new Targets.ResponseHeadTarget()),
        ("chunked", () => new Targets.ChunkedTarget()),
        ("gate", () => new Targets.GateTarget()),
        ("workflow-yaml", () => new Targets.WorkflowYamlTarget()),
        ("expressions", () => new Targets.ExpressionTarget()),
        ("catalytic-yml", () => new Targets.DeliveryConfigTarget()),
        ("webhook", () => new Targets.WebhookTarget()),
    ];

    public static IEnumerable<string> Names => Known.Select(k => k.Name);

    /// <summary>A new instance of the target named <paramref name="name"/>, or null.</summary>
    public static IFuzzTarget? Create(string name) => Known.FirstOrDefault(k => k.Name == name).Create?.Invoke();

    public static bool Exists(string name) => Known.Any(k => k.Name == name);
}
