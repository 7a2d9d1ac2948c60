namespace Lattice.Api.Pathfinding;

/// <summary>The body of <c>POST /v1/paths</c> as sent; every field is optional here so validation can name what is missing.</summary>
public sealed record PathRequest
{
    /// <summary>Size of each axis, 1 to <see cref="LatticeLimits.MaxDimensions"/> axes.</summary>
    public int[]? Dimensions { get; init; }

    /// <summary>Start point, one coordinate per axis (0-based).</summary>
    public int[]? Start { get; init; }

    /// <summary>Goal point, one coordinate per axis (0-based).</summary>
    public int[]? Goal { get; init; }

    /// <summary>Blocked cells.</summary>
    public int[][]? Obstacles { get; init; }

    /// <summary>When true a move may change every coordinate by one (king moves); otherwise one axis per move.</summary>
    public bool? AllowDiagonal { get; init; }

    /// <summary><c>astar</c> (default) or <c>bfs</c>.</summary>
    public string? Algorithm { get; init; }
}
