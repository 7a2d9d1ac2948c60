namespace Lattice.Api.Pathfinding;

/// <summary>Bounds that keep one request's memory and CPU predictable.</summary>
public static class LatticeLimits
{
    public const int MaxDimensions = 6;
    public const int MaxAxisSize = 1000;
    public const long MaxCells = 2_000_000;
    public const int MaxObstacles = 200_000;

    /// <summary>Cells × neighbours per cell: the worst-case number of edges a search may look at.</summary>
    public const long MaxEdges = 64_000_000;
}
