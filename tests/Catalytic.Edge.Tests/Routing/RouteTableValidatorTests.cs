using Catalytic.Delivery.Routing;
using Catalytic.Edge.Routing;
using Catalytic.Edge.Tests.Support;

namespace Catalytic.Edge.Tests.Routing;

public sealed class RouteTableValidatorTests
{
    private static readonly Uri A = new("http://127.0.0.1:5001/");

    [Fact]
    public void Validate_GoodTables_HaveNoErrors()
    {
        Assert.Empty(RouteTableValidator.Validate(EdgeTestContext.Table(null, ("v1", 80, [A]), ("v2", 20, [A]))));
        Assert.Empty(RouteTableValidator.Validate(EdgeTestContext.Table("canary", ("v1", 0, []))));
        Assert.Empty(RouteTableValidator.Validate(new RouteTable("web", "production", [])));
    }

    [Fact]
    public void Validate_BadTable_ListsEveryProblemByField()
    {
        var table = new RouteTable("", "production",
            [new WeightedVersion("v1", 120, [A]), new WeightedVersion("v1", -1, [new Uri("/relative", UriKind.Relative)]), new WeightedVersion("v3", 0, [new Uri("ftp://x/")])],
            "bad cookie");

        var errors = RouteTableValidator.Validate(table);

        Assert.Equal(
            [
                "App: must not be empty",
                "StickyCookie: 'bad cookie' is not a valid cookie name",
                "Versions[0].Weight: 120 is outside 0–100",
                "Versions[1].Version: 'v1' appears more than once",
                "Versions[1].Weight: -1 is outside 0–100",
                "Versions[1].Instances[0]: '/relative' is not an absolute http(s) address",
                "Versions[2].Instances[0]: 'ftp://x/' is not an absolute http(s) address",
            ],
            errors);
    }

    [Fact]
    public void Validate_WeightsNotAddingUpTo100_IsAnError() =>
        Assert.Equal(
            ["Versions: weights add up to 90; they must add up to 100 (or 0 to stop all traffic)"],
            RouteTableValidator.Validate(EdgeTestContext.Table(null, ("v1", 60, [A]), ("v2", 30, [A]))));

    [Fact]
    public void Apply_InvalidTable_ThrowsAndKeepsTheLiveTable()
    {
        var router = new EdgeRouter(new Microsoft.Extensions.Time.Testing.FakeTimeProvider());
        var good = EdgeTestContext.Table(null, ("v1", 100, [A]));
        router.Apply(good);

        var error = Assert.Throws<ArgumentException>(() => router.Apply(EdgeTestContext.Table(null, ("v2", 50, [A]))));

        Assert.Contains("weights add up to 50", error.Message, StringComparison.Ordinal);
        Assert.Same(good, router.Current("web", "production"));
    }

    [Fact]
    public void Current_ReturnsTheLastAppliedTable_PerEnvironment()
    {
        var router = new EdgeRouter(new Microsoft.Extensions.Time.Testing.FakeTimeProvider());
        var first = EdgeTestContext.Table(null, ("v1", 100, [A]));
        var second = EdgeTestContext.Table(null, ("v1", 0, [A]), ("v2", 100, [A]));
        var staging = new RouteTable("web", "staging", [new WeightedVersion("s1", 100, [A])]);

        Assert.Null(router.Current("web", "production"));
        router.Apply(first);
        router.Apply(staging);
        router.Apply(second);

        Assert.Same(second, router.Current("web", "production"));
        Assert.Same(staging, router.Current("web", "staging"));
        Assert.Equal([second, staging], router.Tables());
    }
}
