using Catalytic.Status.Checks;
using Catalytic.Status.Conditions;

namespace Catalytic.Status.Tests.Conditions;

public sealed class ConditionTests
{
    private static ConditionResult Eval(string text, ProbeResult r)
    {
        var (c, e) = ConditionParser.Parse(text);
        Assert.True(e is null, e?.Message);
        return c!.Evaluate(r);
    }

    private static readonly ProbeResult Json = new()
    {
        Status = 200,
        ResponseTime = TimeSpan.FromMilliseconds(120),
        Connected = true,
        Body = """{"status":"UP","items":[{"id":7},{"id":8}],"x":null,"n":3.5}""",
        CertificateExpiration = TimeSpan.FromDays(40),
        DnsRcode = "NOERROR",
    };

    [Theory]
    [InlineData("[STATUS] == 200", true)]
    [InlineData("[STATUS] == any(200, 204)", true)]
    [InlineData("[STATUS] == any(201, 204)", false)]
    [InlineData("[STATUS] != 500", true)]
    [InlineData("[RESPONSE_TIME] < 300", true)]
    [InlineData("[RESPONSE_TIME] < 100", false)]
    [InlineData("[RESPONSE_TIME] < 1s", true)]
    [InlineData("[BODY].status == UP", true)]
    [InlineData("[BODY].status == DOWN", false)]
    [InlineData("[BODY].items[0].id == 7", true)]
    [InlineData("[BODY].items[1].id == 7", false)]
    [InlineData("len([BODY].items) > 0", true)]
    [InlineData("len([BODY].items) == 2", true)]
    [InlineData("has([BODY].x)", true)]
    [InlineData("has([BODY].missing)", false)]
    [InlineData("has([BODY].missing) == false", true)]
    [InlineData("[BODY] == pat(*\"UP\"*)", true)]
    [InlineData("[BODY] == pat(*DOWN*)", false)]
    [InlineData("[BODY].n >= 3.5", true)]
    [InlineData("[CONNECTED] == true", true)]
    [InlineData("[CERTIFICATE_EXPIRATION] > 720h", true)]
    [InlineData("[CERTIFICATE_EXPIRATION] > 48d", false)]
    [InlineData("[DNS_RCODE] == NOERROR", true)]
    [InlineData("[DNS_RCODE] == nxdomain", false)]
    public void Evaluate_IssueExamples_GiveTheExpectedOutcome(string condition, bool expected) =>
        Assert.Equal(expected, Eval(condition, Json).Success);

    [Fact]
    public void Evaluate_Failure_ReportsTheValueSeen()
    {
        var r = Eval("[STATUS] == 200", new ProbeResult { Status = 503 });
        Assert.False(r.Success);
        Assert.Equal("[STATUS] (503) == 200", r.Condition);
    }

    [Fact]
    public void Evaluate_MissingValue_FailsAndSaysMissing()
    {
        var r = Eval("[BODY].status == UP", new ProbeResult { Error = "connection refused" });
        Assert.False(r.Success);
        Assert.Equal("[BODY].status (missing) == UP", r.Condition);
    }

    [Fact]
    public void Evaluate_BodyThatIsNotJson_PathIsMissing() =>
        Assert.False(Eval("[BODY].status == UP", new ProbeResult { Body = "<html>UP</html>" }).Success);

    [Theory]
    [InlineData("[STATUS] = 200", 9, "use == to compare")]
    [InlineData("[STATS] == 200", 0, "unknown placeholder [STATS]; did you mean [STATUS]?")]
    [InlineData("[STATUS] == abc", 12, "compares with a number")]
    [InlineData("[CERTIFICATE_EXPIRATION] > soon", 27, "duration")]
    [InlineData("[DNS_RCODE] == FINE", 15, "unknown DNS response code")]
    [InlineData("[CONNECTED] > 1", 14, "true or false")]
    [InlineData("[BODY].items[x] == 1", 12, "array index")]
    [InlineData("[BODY]. == 1", 7, "field name")]
    [InlineData("[STATUS].code == 1", 8, "only [BODY] takes a path")]
    [InlineData("size([BODY]) > 1", 0, "unknown function 'size()'")]
    [InlineData("[STATUS] == pick(1, 2)", 12, "unknown function 'pick()'")]
    [InlineData("[STATUS]", 8, "expected a comparison")]
    [InlineData("[STATUS] < pat(2*)", 11, "pat() only compares with == or !=")]
    public void Parse_BadCondition_NamesTheColumnAndTheProblem(string text, int offset, string message)
    {
        var (c, e) = ConditionParser.Parse(text);
        Assert.Null(c);
        Assert.NotNull(e);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Equal(offset, e.Offset);
    }

    [Fact]
    public void Parse_HostileLength_IsRefused() =>
        Assert.NotNull(ConditionParser.Parse("[STATUS] == " + new string('9', 5000)).Error);

    [Theory]
    [InlineData("a*c", "abc", true)]
    [InlineData("a*c", "abd", false)]
    [InlineData("*ok*", "it is ok!", true)]
    [InlineData("?b", "ab", true)]
    [InlineData("", "", true)]
    public void Glob_Matches(string pattern, string text, bool expected) => Assert.Equal(expected, Condition.Glob(pattern, text));
}
