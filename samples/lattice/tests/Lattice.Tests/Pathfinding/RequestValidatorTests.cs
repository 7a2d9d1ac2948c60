using Lattice.Api.Pathfinding;

namespace Lattice.Tests.Pathfinding;

public sealed class RequestValidatorTests
{
    private static PathRequest Valid => new() { Dimensions = [10, 10], Start = [0, 0], Goal = [9, 9] };

    private static string[] ErrorsOf(PathRequest request, string field)
    {
        var outcome = RequestValidator.Validate(request);
        Assert.False(outcome.IsValid);
        Assert.True(outcome.Errors.ContainsKey(field), $"expected an error for '{field}', got: {string.Join(", ", outcome.Errors.Keys)}");
        return outcome.Errors[field];
    }

    [Fact]
    public void Validate_GoodRequest_GivesProblemWithDefaults()
    {
        var outcome = RequestValidator.Validate(Valid);

        Assert.True(outcome.IsValid);
        Assert.Empty(outcome.Errors);
        Assert.Equal(Algorithm.AStar, outcome.Problem!.Algorithm);
        Assert.False(outcome.Problem.AllowDiagonal);
        Assert.Equal(99, outcome.Problem.Goal);
    }

    [Fact]
    public void Validate_EmptyRequest_NamesEveryRequiredField()
    {
        var outcome = RequestValidator.Validate(new PathRequest());

        Assert.Equal(["dimensions", "goal", "start"], outcome.Errors.Keys.Order(StringComparer.Ordinal));
        Assert.All(outcome.Errors.Values, e => Assert.Equal("is required.", Assert.Single(e)));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    public void Validate_WrongAxisCount_NamesDimensions(int axes)
    {
        var errors = ErrorsOf(Valid with { Dimensions = Enumerable.Repeat(2, axes).ToArray() }, "dimensions");

        Assert.Contains("1 to 6 axes", errors[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1001)]
    [InlineData(-5)]
    public void Validate_AxisSizeOutOfRange_NamesTheAxis(int size)
    {
        var errors = ErrorsOf(Valid with { Dimensions = [10, size] }, "dimensions[1]");

        Assert.Contains("between 1 and 1000", errors[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_TooManyCells_NamesDimensions()
    {
        var errors = ErrorsOf(Valid with { Dimensions = [1000, 1000, 3], Start = [0, 0, 0], Goal = [1, 1, 1] }, "dimensions");

        Assert.Contains("3000000 cells", errors[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_DiagonalOnAHugeSixDimensionalLattice_NamesAllowDiagonal()
    {
        var request = new PathRequest
        {
            Dimensions = [10, 10, 10, 10, 10, 10],
            Start = [0, 0, 0, 0, 0, 0],
            Goal = [9, 9, 9, 9, 9, 9],
            AllowDiagonal = true,
        };

        ErrorsOf(request, "allowDiagonal");
        Assert.True(RequestValidator.Validate(request with { AllowDiagonal = false }).IsValid);
    }

    [Fact]
    public void Validate_PointsOutsideOrOfWrongRank_NameTheirField()
    {
        var outcome = RequestValidator.Validate(Valid with { Start = [10, 0], Goal = [1, 2, 3], Obstacles = [[1, 1], [-1, 0]] });

        Assert.Contains("outside the lattice", outcome.Errors["start"][0], StringComparison.Ordinal);
        Assert.Contains("must have 2 coordinates", outcome.Errors["goal"][0], StringComparison.Ordinal);
        Assert.Contains("outside the lattice", outcome.Errors["obstacles[1]"][0], StringComparison.Ordinal);
        Assert.False(outcome.Errors.ContainsKey("obstacles[0]"));
    }

    [Fact]
    public void Validate_StartOrGoalBlocked_SaysWhich()
    {
        var outcome = RequestValidator.Validate(Valid with { Obstacles = [[0, 0], [9, 9]] });

        Assert.Equal("is an obstacle.", Assert.Single(outcome.Errors["start"]));
        Assert.Equal("is an obstacle.", Assert.Single(outcome.Errors["goal"]));
    }

    [Fact]
    public void Validate_TooManyObstacles_NamesObstacles()
    {
        var many = Enumerable.Range(0, LatticeLimits.MaxObstacles + 1).Select(_ => new[] { 5, 5 }).ToArray();

        ErrorsOf(Valid with { Obstacles = many }, "obstacles");
    }

    [Fact]
    public void Validate_UnknownAlgorithm_NamesAlgorithm()
    {
        ErrorsOf(Valid with { Algorithm = "dijkstra" }, "algorithm");
        Assert.Equal(Algorithm.Bfs, RequestValidator.Validate(Valid with { Algorithm = "BFS" }).Problem!.Algorithm);
    }

    [Fact]
    public void Validate_DuplicateObstacles_AreKeptOnceAndSorted()
    {
        var outcome = RequestValidator.Validate(Valid with { Obstacles = [[5, 5], [1, 1], [5, 5]] });

        Assert.Equal([11, 55], outcome.Problem!.Obstacles);
    }
}
