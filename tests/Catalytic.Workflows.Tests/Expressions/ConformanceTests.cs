using System.Text.Json;
using Catalytic.Workflows.Expressions;

namespace Catalytic.Workflows.Tests.Expressions;

/// <summary>
/// Runs every case of GitHub's expression test vectors (actions/languageservices expressions/testdata, see
/// Conformance/README.md). Errors are matched as GitHub's own harness does: the expected text must be contained
/// in "message. Located at position N within expression: EXPR", and the error must come from the same phase
/// (lexing/parsing before evaluation, evaluation after).
/// </summary>
public sealed class ConformanceTests
{
    private const int ExpectedCaseCount = 1020;

    private static readonly Lazy<IReadOnlyList<ConformanceCase>> s_cases = new(LoadAll);

    public static TheoryData<string> CaseIds()
    {
        var data = new TheoryData<string>();
        foreach (var c in s_cases.Value)
        {
            data.Add(c.Id);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CaseIds))]
    public void Case_evaluates_as_GitHub_does(string id)
    {
        var c = s_cases.Value.Single(x => x.Id == id);
        var failure = Run(c);
        Assert.True(failure is null, failure);
    }

    [Fact]
    public void All_cases_pass_and_none_are_skipped()
    {
        var cases = s_cases.Value;
        var failures = cases.Select(c => (c, failure: Run(c))).Where(x => x.failure is not null).ToList();
        var passed = cases.Count - failures.Count;
        var report = $"expression conformance: {passed} of {cases.Count} cases passed" +
            string.Concat(failures.Select(f => $"\n  FAIL {f.failure}"));
        TestContext.Current.SendDiagnosticMessage(report);
        Console.WriteLine(report);
        Assert.Equal(ExpectedCaseCount, cases.Count);
        Assert.True(passed == cases.Count, report);
    }

    private static string? Run(ConformanceCase c)
    {
        var context = new ExpressionContext();
        if (c.Contexts is { ValueKind: JsonValueKind.Object } contexts)
        {
            foreach (var p in contexts.EnumerateObject())
            {
                context[p.Name] = ExpressionValue.FromJsonElement(p.Value);
            }
        }

        var parsed = ParsedExpression.Parse(c.Expr);
        var validation = parsed.Validate(context);
        if (validation is not null)
        {
            if (c.ErrorKind is "lexing" or "parsing" && validation.Message.Contains(c.ErrorValue!, StringComparison.Ordinal))
            {
                return null;
            }

            return $"{c.Id}: ({c.Expr}) unexpected {validation.Kind} error: {validation.Message}" +
                (c.ErrorKind is null ? string.Empty : $" (expected {c.ErrorKind}: {c.ErrorValue})");
        }

        if (c.ErrorKind is "lexing" or "parsing")
        {
            return $"{c.Id}: ({c.Expr}) expected {c.ErrorKind} error '{c.ErrorValue}' but it parsed";
        }

        ExpressionValue result;
        try
        {
            result = parsed.Evaluate(context);
        }
        catch (ExpressionException e)
        {
            if (c.ErrorKind == "evaluation" && e.Error.Message.Contains(c.ErrorValue!, StringComparison.Ordinal))
            {
                return null;
            }

            return $"{c.Id}: ({c.Expr}) unexpected evaluation error: {e.Error.Message}";
        }

        if (c.ErrorKind is not null)
        {
            return $"{c.Id}: ({c.Expr}) expected {c.ErrorKind} error '{c.ErrorValue}' but got {result.Kind} {result.ToJson()}";
        }

        if (!string.Equals(result.Kind.ToString(), c.ResultKind, StringComparison.Ordinal))
        {
            return $"{c.Id}: ({c.Expr}) expected kind {c.ResultKind} but got {result.Kind} {result.ToJson()}";
        }

        var expected = ExpressionValue.FromJsonElement(c.ResultValue);
        return DeepEquals(expected, result)
            ? null
            : $"{c.Id}: ({c.Expr}) expected {expected.ToJson()} but got {result.ToJson()}";
    }

    private static bool DeepEquals(ExpressionValue a, ExpressionValue b)
    {
        if (a.Kind != b.Kind)
        {
            return false;
        }

        switch (a.Kind)
        {
            case ExpressionValueKind.Number:
                return a.AsNumber.Equals(b.AsNumber) || a.AsNumber == b.AsNumber;
            case ExpressionValueKind.Array:
                return a.AsArray.Count == b.AsArray.Count && a.AsArray.Zip(b.AsArray).All(p => DeepEquals(p.First, p.Second));
            case ExpressionValueKind.Object:
                return a.AsObject.Count == b.AsObject.Count &&
                    a.AsObject.Zip(b.AsObject).All(p => p.First.Key == p.Second.Key && DeepEquals(p.First.Value, p.Second.Value));
            default:
                return a.IsSameAs(b);
        }
    }

    private static List<ConformanceCase> LoadAll()
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "Expressions", "Conformance");
        var cases = new List<ConformanceCase>();
        foreach (var file in Directory.GetFiles(dir, "*.json").Order(StringComparer.Ordinal))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            foreach (var group in doc.RootElement.EnumerateObject())
            {
                var i = 0;
                foreach (var item in group.Value.EnumerateArray())
                {
                    var err = item.TryGetProperty("err", out var e) ? e : (JsonElement?)null;
                    var result = item.TryGetProperty("result", out var r) ? r : (JsonElement?)null;
                    cases.Add(new ConformanceCase(
                        $"{Path.GetFileName(file)} › {group.Name} #{i++}",
                        item.GetProperty("expr").GetString()!,
                        item.TryGetProperty("contexts", out var ctx) ? ctx.Clone() : null,
                        result?.GetProperty("kind").GetString(),
                        result?.GetProperty("value").Clone() ?? default,
                        err?.GetProperty("kind").GetString(),
                        err?.GetProperty("value").GetString()));
                }
            }
        }

        return cases;
    }

    private sealed record ConformanceCase(string Id, string Expr, JsonElement? Contexts, string? ResultKind, JsonElement ResultValue, string? ErrorKind, string? ErrorValue);
}
