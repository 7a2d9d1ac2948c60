using Lattice.Api.Pathfinding;

namespace Lattice.Tests.Pathfinding;

public sealed class PathSolverTests
{
    private static PathResult Solve(LatticeProblem problem) => PathSolver.Solve(problem, TestContext.Current.CancellationToken);

    [Theory]
    [InlineData("astar")]
    [InlineData("bfs")]
    public void Solve_OpenGrid_LengthIsManhattanDistance(string algorithm)
    {
        var problem = Problems.Of([20, 20, 5], [0, 0, 0], [19, 19, 4], algorithm: algorithm);

        var result = Solve(problem);

        Assert.Equal(42, result.Length);
        Problems.AssertValidPath(problem, result);
    }

    [Theory]
    [InlineData("astar")]
    [InlineData("bfs")]
    public void Solve_WallWithOneGap_PathPassesThroughTheGap(string algorithm)
    {
        // A wall on x = 5 across a 10×10 grid, open only at y = 9.
        var wall = Enumerable.Range(0, 9).Select(y => new[] { 5, y }).ToArray();
        var problem = Problems.Of([10, 10], [0, 0], [9, 0], wall, algorithm: algorithm);

        var result = Solve(problem);

        Problems.AssertValidPath(problem, result);
        Assert.Equal(9 + 9 + 9, result.Length);
        Assert.Contains(result.Path, p => p[0] == 5 && p[1] == 9);
    }

    [Theory]
    [InlineData("astar")]
    [InlineData("bfs")]
    public void Solve_GoalWalledIn_IsUnreachableWithEmptyPath(string algorithm)
    {
        int[][] ring = [[3, 4], [5, 4], [4, 3], [4, 5]];
        var problem = Problems.Of([9, 9], [0, 0], [4, 4], ring, algorithm: algorithm);

        var result = Solve(problem);

        Assert.False(result.Reachable);
        Assert.Null(result.Length);
        Assert.Empty(result.Path);
        Assert.Equal(81 - 4 - 1, result.Visited); // every free cell outside the ring was searched
    }

    [Fact]
    public void Solve_StartIsGoal_ZeroMoves()
    {
        var result = Solve(Problems.Of([1], [0], [0]));

        Assert.Equal(0, result.Length);
        Assert.Single(result.Path);
    }

    [Fact]
    public void Solve_SixDimensions_LengthIsManhattanDistance()
    {
        var problem = Problems.Of([4, 4, 4, 4, 4, 4], [0, 0, 0, 0, 0, 0], [3, 2, 1, 0, 3, 3], [[1, 0, 0, 0, 0, 0]]);

        var result = Solve(problem);

        Assert.Equal(12, result.Length);
        Problems.AssertValidPath(problem, result);
    }

    [Theory]
    [InlineData("astar")]
    [InlineData("bfs")]
    public void Solve_DiagonalMoves_LengthIsChebyshevDistance(string algorithm)
    {
        var problem = Problems.Of([10, 10, 10], [0, 0, 0], [9, 5, 2], diagonal: true, algorithm: algorithm);

        var result = Solve(problem);

        Assert.Equal(9, result.Length);
        Problems.AssertValidPath(problem, result);
    }

    [Fact]
    public void Solve_OpenGrid_AStarVisitsFarFewerCellsThanBfs()
    {
        int[] dims = [200, 200];
        var astar = Solve(Problems.Of(dims, [0, 0], [199, 199]));
        var bfs = Solve(Problems.Of(dims, [0, 0], [199, 199], algorithm: "bfs"));

        Assert.Equal(bfs.Length, astar.Length);
        Assert.True(astar.Visited * 10 < bfs.Visited, $"A* visited {astar.Visited}, BFS {bfs.Visited}");
    }

    [Theory]
    [InlineData(2, false)]
    [InlineData(3, false)]
    [InlineData(2, true)]
    [InlineData(3, true)]
    public void Solve_RandomObstacleFields_AStarAndBfsAgreeOnLength(int rank, bool diagonal)
    {
        var random = new Random(rank * 100 + (diagonal ? 1 : 0));
        for (var round = 0; round < 60; round++)
        {
            var dims = Enumerable.Range(0, rank).Select(_ => random.Next(2, rank == 2 ? 25 : 9)).ToArray();
            int[] RandomPoint() => dims.Select(d => random.Next(d)).ToArray();
            var start = RandomPoint();
            var goal = RandomPoint();
            var cells = dims.Aggregate(1, (a, b) => a * b);
            var obstacles = Enumerable.Range(0, cells * 3 / 10).Select(_ => RandomPoint())
                .Where(p => !p.SequenceEqual(start) && !p.SequenceEqual(goal)).ToArray();

            var astarProblem = Problems.Of(dims, start, goal, obstacles, diagonal, "astar");
            var astar = Solve(astarProblem);
            var bfs = Solve(Problems.Of(dims, start, goal, obstacles, diagonal, "bfs"));

            Assert.Equal(bfs.Reachable, astar.Reachable);
            Assert.Equal(bfs.Length, astar.Length);
            if (astar.Reachable)
            {
                Problems.AssertValidPath(astarProblem, astar);
            }
        }
    }

    [Fact]
    public void Solve_LargestLattice_FindsTheCornerToCornerPath()
    {
        // 2 000 000 cells, the limit. A* keeps this fast even under coverage instrumentation.
        var problem = Problems.Of([1000, 1000, 2], [0, 0, 0], [999, 999, 1]);

        var result = Solve(problem);

        Assert.Equal(1999, result.Length);
    }

    [Fact]
    public void Solve_BfsWithUnreachableGoal_VisitsEveryFreeCell()
    {
        int[][] cage = [[98, 99, 4], [99, 98, 4], [99, 99, 3]];
        var problem = Problems.Of([100, 100, 5], [0, 0, 0], [99, 99, 4], cage, algorithm: "bfs");

        var result = Solve(problem);

        Assert.False(result.Reachable);
        Assert.Equal(50_000 - 3 - 1, result.Visited);
    }

    [Fact]
    public void Solve_CancelledToken_StopsTheSearch()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var problem = Problems.Of([1000, 1000], [0, 0], [999, 999], algorithm: "bfs");

        Assert.Throws<OperationCanceledException>(() => PathSolver.Solve(problem, cancelled.Token));
    }
}
