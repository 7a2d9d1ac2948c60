namespace Lattice.Api.Pathfinding;

/// <summary>Search algorithm; both find a shortest path on a unit-weight lattice.</summary>
public enum Algorithm
{
    /// <summary>A* with the Manhattan heuristic (Chebyshev when diagonal moves are allowed).</summary>
    AStar,

    /// <summary>Breadth-first search.</summary>
    Bfs,
}

internal static class AlgorithmNames
{
    public static string ToWire(this Algorithm algorithm) => algorithm == Algorithm.Bfs ? "bfs" : "astar";
}
