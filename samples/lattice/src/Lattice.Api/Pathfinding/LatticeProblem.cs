using System.Collections.Immutable;

namespace Lattice.Api.Pathfinding;

/// <summary>A validated request: every point is inside the lattice, start and goal are free.</summary>
public sealed record LatticeProblem(
    LatticeGrid Grid,
    int Start,
    int Goal,
    ImmutableArray<int> Obstacles,
    bool AllowDiagonal,
    Algorithm Algorithm);
