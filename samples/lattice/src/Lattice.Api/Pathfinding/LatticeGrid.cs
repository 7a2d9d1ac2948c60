using System.Collections.Immutable;

namespace Lattice.Api.Pathfinding;

/// <summary>
/// Geometry of an n-dimensional grid: converts between coordinates and a flat cell index
/// (the last axis varies fastest) and enumerates neighbours.
/// </summary>
public sealed class LatticeGrid
{
    private readonly int[] _sizes;
    private readonly int[] _strides;

    public LatticeGrid(IReadOnlyList<int> sizes)
    {
        ArgumentOutOfRangeException.ThrowIfZero(sizes.Count);
        _sizes = [.. sizes];
        _strides = new int[_sizes.Length];
        long stride = 1;
        for (var axis = _sizes.Length - 1; axis >= 0; axis--)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(_sizes[axis], 1);
            _strides[axis] = checked((int)stride);
            stride *= _sizes[axis];
        }

        CellCount = checked((int)stride);
    }

    public int Rank => _sizes.Length;

    public int CellCount { get; }

    public ImmutableArray<int> Sizes => [.. _sizes];

    /// <summary>Neighbours of one cell: 2·n axis moves, or 3ⁿ−1 with diagonal moves.</summary>
    public static long NeighbourCount(int rank, bool allowDiagonal) =>
        allowDiagonal ? (long)Math.Pow(3, rank) - 1 : 2L * rank;

    public int IndexOf(ReadOnlySpan<int> point)
    {
        var index = 0;
        for (var axis = 0; axis < _sizes.Length; axis++)
        {
            index += point[axis] * _strides[axis];
        }

        return index;
    }

    public int[] PointOf(int index)
    {
        var point = new int[_sizes.Length];
        Decode(index, point);
        return point;
    }

    public void Decode(int index, Span<int> point)
    {
        for (var axis = 0; axis < _sizes.Length; axis++)
        {
            point[axis] = index / _strides[axis];
            index -= point[axis] * _strides[axis];
        }
    }

    public bool Contains(ReadOnlySpan<int> point)
    {
        if (point.Length != _sizes.Length)
        {
            return false;
        }

        for (var axis = 0; axis < _sizes.Length; axis++)
        {
            if ((uint)point[axis] >= (uint)_sizes[axis])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The moves as per-axis offsets; computed once per search.</summary>
    public int[][] Moves(bool allowDiagonal)
    {
        var moves = new List<int[]>();
        if (!allowDiagonal)
        {
            for (var axis = 0; axis < Rank; axis++)
            {
                foreach (var step in (ReadOnlySpan<int>)[1, -1])
                {
                    var move = new int[Rank];
                    move[axis] = step;
                    moves.Add(move);
                }
            }

            return [.. moves];
        }

        var offset = new int[Rank];
        Array.Fill(offset, -1);
        while (true)
        {
            if (offset.Any(o => o != 0))
            {
                moves.Add([.. offset]);
            }

            var axis = Rank - 1;
            while (axis >= 0 && offset[axis] == 1)
            {
                offset[axis] = -1;
                axis--;
            }

            if (axis < 0)
            {
                return [.. moves];
            }

            offset[axis]++;
        }
    }

    /// <summary>Index delta of a move; valid only where the move stays inside the lattice.</summary>
    public int DeltaOf(ReadOnlySpan<int> move) => IndexOf(move);

    /// <summary>Whether <paramref name="move"/> from <paramref name="point"/> stays inside.</summary>
    public bool CanMove(ReadOnlySpan<int> point, ReadOnlySpan<int> move)
    {
        for (var axis = 0; axis < _sizes.Length; axis++)
        {
            var next = point[axis] + move[axis];
            if ((uint)next >= (uint)_sizes[axis])
            {
                return false;
            }
        }

        return true;
    }
}
