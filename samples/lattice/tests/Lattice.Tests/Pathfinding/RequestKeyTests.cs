using Lattice.Api.Pathfinding;

namespace Lattice.Tests.Pathfinding;

public sealed class RequestKeyTests
{
    [Fact]
    public void Of_ObstaclesInAnotherOrderOrRepeated_GivesTheSameId()
    {
        var a = Problems.Of([8, 8], [0, 0], [7, 7], [[1, 1], [2, 2], [3, 3]]);
        var b = Problems.Of([8, 8], [0, 0], [7, 7], [[3, 3], [1, 1], [2, 2], [1, 1]]);

        Assert.Equal(RequestKey.Of(a), RequestKey.Of(b));
        Assert.Matches("^[0-9a-f]{32}$", RequestKey.Of(a));
    }

    [Fact]
    public void Of_AnyMeaningfulChange_GivesAnotherId()
    {
        var baseline = RequestKey.Of(Problems.Of([8, 8], [0, 0], [7, 7]));

        string[] variants =
        [
            RequestKey.Of(Problems.Of([8, 8], [0, 0], [7, 7], diagonal: true)),
            RequestKey.Of(Problems.Of([8, 8], [0, 0], [7, 7], algorithm: "bfs")),
            RequestKey.Of(Problems.Of([8, 8], [0, 0], [7, 6])),
            RequestKey.Of(Problems.Of([8, 8], [0, 1], [7, 7])),
            RequestKey.Of(Problems.Of([8, 9], [0, 0], [7, 7])),
            RequestKey.Of(Problems.Of([8, 8], [0, 0], [7, 7], [[4, 4]])),
        ];

        Assert.DoesNotContain(baseline, variants);
        Assert.Equal(variants.Length, variants.Distinct().Count());
    }
}
