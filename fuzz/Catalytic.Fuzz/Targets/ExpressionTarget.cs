using System.Text;
using Catalytic.Workflows.Expressions;

namespace Catalytic.Fuzz.Targets;

/// <summary>
/// A <c>${{ }}</c> expression: parsed (<see cref="ParsedExpression.Parse"/>), validated and evaluated against a few
/// contexts; every failure is a returned error, never an exception.
/// </summary>
internal sealed class ExpressionTarget : IFuzzTarget
{
    private static readonly ExpressionContext Context = CreateContext();

    public string Name => "expressions";

    public void Run(ReadOnlySpan<byte> input)
    {
        var parsed = ParsedExpression.Parse(Encoding.UTF8.GetString(input));
        parsed.Validate(Context);
        parsed.TryEvaluate(Context, out _, out _);
    }

    private static ExpressionContext CreateContext()
    {
        var context = new ExpressionContext { Status = new StatusFunctions(true, false, false) };
        foreach (var (name, json) in new[]
        {
            ("github", """{"event_name":"push","ref":"refs/heads/main","event":{"commits":[{"id":"a"},{"id":"b"}]}}"""),
            ("env", """{"A":"1","B":"text","EMPTY":""}"""),
            ("matrix", """{"os":"linux","n":3,"list":[1,2,3]}"""),
            ("steps", """{"build":{"outputs":{"x":"y"},"outcome":"success"}}"""),
        })
        {
            ExpressionValue.TryParseJson(json, out var value, out _);
            context[name] = value;
        }

        return context;
    }
}
