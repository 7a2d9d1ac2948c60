using Lattice.Api.Pathfinding;

namespace Lattice.Tests.Pathfinding;

public sealed class LatticeGridTests
{
    [Fact]
    public void IndexOf_EveryCell_RoundTripsThroughPointOf()
    {
        var grid = new LatticeGrid([3, 4, 5]);
        var seen = new HashSet<int>();
        for (var x = 0; x < 3; x++)
        {
            for (var y = 0; y < 4; y++)
            {
                for (var z = 0; z < 5; z++)
                {
                    var index = grid.IndexOf([x, y, z]);
                    Assert.Equal([x, y, z], grid.PointOf(index));
                    Assert.True(seen.Add(index));
                }
            }
        }

        Assert.Equal(60, grid.CellCount);
        Assert.Equal(Enumerable.Range(0, 60), seen.Order());
    }

    [Theory]
    [InlineData(1, false, 2)]
    [InlineData(3, false, 6)]
    [InlineData(2, true, 8)]
    [InlineData(3, true, 26)]
    [InlineData(6, true, 728)]
    public void Moves_RankAndDiagonal_GivesEveryNeighbourOnce(int rank, bool diagonal, int expected)
    {
        var grid = new LatticeGrid(Enumerable.Repeat(3, rank).ToArray());

        var moves = grid.Moves(diagonal);

        Assert.Equal(expected, moves.Length);
        Assert.Equal(expected, LatticeGrid.NeighbourCount(rank, diagonal));
        Assert.Equal(expected, moves.Select(m => string.Join(',', m)).Distinct().Count());
        Assert.DoesNotContain(moves, m => m.All(o => o == 0));
    }

    [Fact]
    public void CanMove_AtTheEdge_RefusesToLeave()
    {
        var grid = new LatticeGrid([2, 2]);

        Assert.False(grid.CanMove([0, 0], [-1, 0]));
        Assert.False(grid.CanMove([1, 1], [0, 1]));
        Assert.True(grid.CanMove([0, 0], [1, 1]));
    }
}
