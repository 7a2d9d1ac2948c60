using System.Security.Cryptography;
using System.Text;

namespace Lattice.Api.Pathfinding;

/// <summary>
/// The identity of a problem: the same lattice, points, obstacles (in any order, duplicates ignored),
/// move set and algorithm give the same id, which is both the cache key and the stored result's id.
/// </summary>
public static class RequestKey
{
    public static string Of(LatticeProblem problem)
    {
        var text = new StringBuilder("lattice/v1|");
        text.AppendJoin(',', problem.Grid.Sizes).Append('|')
            .Append(problem.Start).Append('|')
            .Append(problem.Goal).Append('|')
            .Append(problem.AllowDiagonal ? 'd' : 'a').Append('|')
            .Append(problem.Algorithm.ToWire()).Append('|');
        text.AppendJoin(',', problem.Obstacles); // sorted and distinct by the validator
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()));
        return Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }
}
