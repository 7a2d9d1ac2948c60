using Lattice.Api.Pathfinding;

namespace Lattice.Tests.Pathfinding;

/// <summary>Builds validated problems for tests; fails the test when the request is invalid.</summary>
internal static class Problems
{
    public static LatticeProblem Of(int[] dimensions, int[] start, int[] goal, int[][]? obstacles = null, bool diagonal = false, string algorithm = "astar")
    {
        var outcome = RequestValidator.Validate(new PathRequest
        {
            Dimensions = dimensions,
            Start = start,
            Goal = goal,
            Obstacles = obstacles,
            AllowDiagonal = diagonal,
            Algorithm = algorithm,
        });
        Assert.True(outcome.IsValid, string.Join("; ", outcome.Errors.Select(e => $"{e.Key}: {string.Join(' ', e.Value)}")));
        return outcome.Problem!;
    }

    /// <summary>Asserts the path starts and ends right, moves one legal step at a time and avoids obstacles.</summary>
    public static void AssertValidPath(LatticeProblem problem, PathResult result)
    {
        Assert.True(result.Reachable);
        var path = result.Path;
        Assert.Equal(problem.Grid.PointOf(problem.Start), path[0]);
        Assert.Equal(problem.Grid.PointOf(problem.Goal), path[^1]);
        var blocked = problem.Obstacles.ToHashSet();
        for (var i = 0; i < path.Length; i++)
        {
            Assert.True(problem.Grid.Contains(path[i]), $"step {i} leaves the lattice");
            Assert.DoesNotContain(problem.Grid.IndexOf(path[i]), blocked);
            if (i == 0)
            {
                continue;
            }

            var changed = path[i].Zip(path[i - 1], (a, b) => Math.Abs(a - b)).ToArray();
            Assert.All(changed, d => Assert.InRange(d, 0, 1));
            var axes = changed.Count(d => d == 1);
            Assert.InRange(axes, 1, problem.AllowDiagonal ? problem.Grid.Rank : 1);
        }
    }
}
