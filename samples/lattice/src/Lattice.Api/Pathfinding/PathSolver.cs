using System.Collections.Immutable;

namespace Lattice.Api.Pathfinding;

/// <summary>Outcome of a search. <see cref="Path"/> is empty when the goal cannot be reached.</summary>
public sealed record PathResult(bool Reachable, ImmutableArray<int[]> Path, int Visited, Algorithm Algorithm)
{
    /// <summary>Number of moves; null when unreachable.</summary>
    public int? Length => Reachable ? Path.Length - 1 : null;
}

/// <summary>Shortest paths on a unit-weight lattice by BFS or A*.</summary>
public static class PathSolver
{
    private const int Unseen = -1;
    private const int Blocked = -2;

    public static PathResult Solve(LatticeProblem problem, CancellationToken cancellationToken = default) =>
        problem.Algorithm == Algorithm.Bfs
            ? BreadthFirst(problem, cancellationToken)
            : AStar(problem, cancellationToken);

    private static PathResult BreadthFirst(LatticeProblem problem, CancellationToken cancellationToken)
    {
        var grid = problem.Grid;
        var parent = NewParents(problem);
        var moves = grid.Moves(problem.AllowDiagonal);
        var deltas = moves.Select(m => grid.DeltaOf(m)).ToArray();
        var queue = new int[grid.CellCount];
        int head = 0, tail = 0, visited = 0;
        Span<int> point = stackalloc int[grid.Rank];

        parent[problem.Start] = problem.Start;
        queue[tail++] = problem.Start;
        while (head < tail)
        {
            var current = queue[head++];
            visited++;
            if (current == problem.Goal)
            {
                break;
            }

            if ((visited & 0xFFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            grid.Decode(current, point);
            for (var m = 0; m < moves.Length; m++)
            {
                if (!grid.CanMove(point, moves[m]))
                {
                    continue;
                }

                var next = current + deltas[m];
                if (parent[next] == Unseen)
                {
                    parent[next] = current;
                    queue[tail++] = next;
                }
            }
        }

        return Result(problem, parent, visited);
    }

    private static PathResult AStar(LatticeProblem problem, CancellationToken cancellationToken)
    {
        var grid = problem.Grid;
        var parent = NewParents(problem);
        var moves = grid.Moves(problem.AllowDiagonal);
        var deltas = moves.Select(m => grid.DeltaOf(m)).ToArray();
        var cost = new int[grid.CellCount];
        var closed = new bool[grid.CellCount];
        var goal = grid.PointOf(problem.Goal);
        Span<int> point = stackalloc int[grid.Rank];
        Span<int> next = stackalloc int[grid.Rank];
        var open = new PriorityQueue<int, long>();
        var visited = 0;

        grid.Decode(problem.Start, point);
        parent[problem.Start] = problem.Start;
        open.Enqueue(problem.Start, Priority(0, Heuristic(point, goal, problem.AllowDiagonal)));
        while (open.TryDequeue(out var current, out _))
        {
            if (closed[current])
            {
                continue; // a stale entry: the cell was reached again more cheaply
            }

            closed[current] = true;
            visited++;
            if (current == problem.Goal)
            {
                break;
            }

            if ((visited & 0xFFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            grid.Decode(current, point);
            var nextCost = cost[current] + 1;
            for (var m = 0; m < moves.Length; m++)
            {
                if (!grid.CanMove(point, moves[m]))
                {
                    continue;
                }

                var index = current + deltas[m];
                if (parent[index] == Blocked || closed[index])
                {
                    continue;
                }

                if (parent[index] == Unseen || nextCost < cost[index])
                {
                    parent[index] = current;
                    cost[index] = nextCost;
                    for (var axis = 0; axis < point.Length; axis++)
                    {
                        next[axis] = point[axis] + moves[m][axis];
                    }

                    open.Enqueue(index, Priority(nextCost, Heuristic(next, goal, problem.AllowDiagonal)));
                }
            }
        }

        return Result(problem, parent, visited);
    }

    /// <summary>
    /// Orders by f = g + h, then by smaller h: among equally good cells the one nearer the goal is expanded
    /// first, which keeps A* from flooding plateaus of equal f. h is at most 6 × 1000, below 8192.
    /// </summary>
    private static long Priority(int cost, int heuristic) => ((long)(cost + heuristic) << 13) | (uint)heuristic;

    /// <summary>Manhattan distance for axis moves, Chebyshev for diagonal moves: both admissible and consistent.</summary>
    internal static int Heuristic(ReadOnlySpan<int> from, ReadOnlySpan<int> to, bool allowDiagonal)
    {
        var total = 0;
        for (var axis = 0; axis < from.Length; axis++)
        {
            var d = Math.Abs(from[axis] - to[axis]);
            total = allowDiagonal ? Math.Max(total, d) : total + d;
        }

        return total;
    }

    private static int[] NewParents(LatticeProblem problem)
    {
        var parent = new int[problem.Grid.CellCount];
        Array.Fill(parent, Unseen);
        foreach (var obstacle in problem.Obstacles)
        {
            parent[obstacle] = Blocked;
        }

        return parent;
    }

    private static PathResult Result(LatticeProblem problem, int[] parent, int visited)
    {
        if (parent[problem.Goal] is Unseen or Blocked)
        {
            return new PathResult(false, [], visited, problem.Algorithm);
        }

        var cells = new List<int>();
        for (var cell = problem.Goal; ; cell = parent[cell])
        {
            cells.Add(cell);
            if (cell == problem.Start)
            {
                break;
            }
        }

        cells.Reverse();
        return new PathResult(true, [.. cells.Select(problem.Grid.PointOf)], visited, problem.Algorithm);
    }
}
