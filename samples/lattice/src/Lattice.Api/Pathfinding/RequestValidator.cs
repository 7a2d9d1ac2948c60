using System.Collections.Immutable;

namespace Lattice.Api.Pathfinding;

/// <summary>Either a problem ready to solve or every error of the request, keyed by field path.</summary>
public sealed record ValidationOutcome(LatticeProblem? Problem, ImmutableDictionary<string, string[]> Errors)
{
    public bool IsValid => Problem is not null;
}

/// <summary>Checks a <see cref="PathRequest"/> against <see cref="LatticeLimits"/> and collects every error.</summary>
public static class RequestValidator
{
    public static ValidationOutcome Validate(PathRequest request)
    {
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        void Add(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list))
            {
                errors[field] = list = [];
            }

            list.Add(message);
        }

        var algorithm = Algorithm.AStar;
        switch (request.Algorithm?.ToLowerInvariant())
        {
            case null or "astar" or "a*":
                break;
            case "bfs":
                algorithm = Algorithm.Bfs;
                break;
            default:
                Add("algorithm", "must be \"astar\" or \"bfs\".");
                break;
        }

        var diagonal = request.AllowDiagonal ?? false;
        var grid = ValidateDimensions(request.Dimensions, diagonal, Add);
        var rank = request.Dimensions?.Length ?? 0;

        int? start = ValidatePoint("start", request.Start, grid, rank, Add);
        int? goal = ValidatePoint("goal", request.Goal, grid, rank, Add);

        var obstacles = ImmutableArray.CreateBuilder<int>();
        var blocked = new HashSet<int>();
        if (request.Obstacles is { } list)
        {
            if (list.Length > LatticeLimits.MaxObstacles)
            {
                Add("obstacles", $"must hold at most {LatticeLimits.MaxObstacles} points (got {list.Length}).");
            }
            else
            {
                for (var i = 0; i < list.Length; i++)
                {
                    if (ValidatePoint($"obstacles[{i}]", list[i], grid, rank, Add) is { } index && blocked.Add(index))
                    {
                        obstacles.Add(index);
                    }
                }
            }
        }

        if (start is { } s && blocked.Contains(s))
        {
            Add("start", "is an obstacle.");
        }

        if (goal is { } g && blocked.Contains(g))
        {
            Add("goal", "is an obstacle.");
        }

        if (errors.Count > 0 || grid is null || start is null || goal is null)
        {
            return new ValidationOutcome(null, errors.ToImmutableDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal));
        }

        obstacles.Sort();
        return new ValidationOutcome(
            new LatticeProblem(grid, start.Value, goal.Value, obstacles.ToImmutable(), diagonal, algorithm),
            ImmutableDictionary<string, string[]>.Empty);
    }

    private static LatticeGrid? ValidateDimensions(int[]? dimensions, bool diagonal, Action<string, string> add)
    {
        if (dimensions is null)
        {
            add("dimensions", "is required.");
            return null;
        }

        if (dimensions.Length is 0 or > LatticeLimits.MaxDimensions)
        {
            add("dimensions", $"must have 1 to {LatticeLimits.MaxDimensions} axes (got {dimensions.Length}).");
            return null;
        }

        var ok = true;
        long cells = 1;
        for (var axis = 0; axis < dimensions.Length; axis++)
        {
            if (dimensions[axis] is < 1 or > LatticeLimits.MaxAxisSize)
            {
                add($"dimensions[{axis}]", $"must be between 1 and {LatticeLimits.MaxAxisSize} (got {dimensions[axis]}).");
                ok = false;
            }
            else
            {
                cells *= dimensions[axis];
            }
        }

        if (!ok)
        {
            return null;
        }

        if (cells > LatticeLimits.MaxCells)
        {
            add("dimensions", $"describe {cells} cells; at most {LatticeLimits.MaxCells} are allowed.");
            return null;
        }

        var edges = cells * LatticeGrid.NeighbourCount(dimensions.Length, diagonal);
        if (edges > LatticeLimits.MaxEdges)
        {
            add("allowDiagonal", $"with diagonal moves a {dimensions.Length}-dimensional lattice may hold at most {LatticeLimits.MaxEdges / LatticeGrid.NeighbourCount(dimensions.Length, true)} cells (got {cells}).");
            return null;
        }

        return new LatticeGrid(dimensions);
    }

    private static int? ValidatePoint(string field, int[]? point, LatticeGrid? grid, int rank, Action<string, string> add)
    {
        if (point is null)
        {
            add(field, "is required.");
            return null;
        }

        if (rank > 0 && point.Length != rank)
        {
            add(field, $"must have {rank} coordinates, one per dimension (got {point.Length}).");
            return null;
        }

        if (grid is null)
        {
            return null;
        }

        if (!grid.Contains(point))
        {
            add(field, $"[{string.Join(',', point)}] is outside the lattice [{string.Join(',', grid.Sizes)}].");
            return null;
        }

        return grid.IndexOf(point);
    }
}
