using System.Runtime.InteropServices;

namespace Catalytic.Pipelines.Workers;

/// <summary>
/// A worker's labels and how a job's <c>runs-on</c> matches them. A job goes to a worker that has every label it asks
/// for (compared without case, as GitHub does). A worker label written <c>!label</c> is mandatory (Woodpecker's rule):
/// the worker takes only jobs that ask for it, so a machine kept for one kind of job (<c>!gpu</c>, <c>!deploy</c>) is
/// not filled by jobs any worker could run.
/// </summary>
public static class WorkerLabels
{
    /// <summary>The longest label.</summary>
    public const int MaxLength = 100;

    /// <summary>The most labels a worker declares.</summary>
    public const int MaxCount = 64;

    /// <summary>
    /// What a worker declares unless told otherwise: <c>self-hosted</c>, the system and the architecture (GitHub's
    /// self-hosted runner labels) and the GitHub-hosted Linux names, which <c>catalytic run</c> runs on this machine too.
    /// </summary>
    public static IReadOnlyList<string> Defaults() =>
    [
        "self-hosted",
        "linux",
        RuntimeInformation.OSArchitecture switch { Architecture.Arm64 => "arm64", Architecture.X64 => "x64", var a => a.ToString().ToLowerInvariant() },
        "ubuntu-latest",
        "ubuntu-24.04",
        "ubuntu-22.04",
    ];

    /// <summary>Null when <paramref name="label"/> is a valid label (optionally <c>!</c>-prefixed); otherwise why not.</summary>
    public static string? Check(string? label)
    {
        var name = label is ['!', .. var rest] ? rest : label;
        if (string.IsNullOrEmpty(name) || name.Length > MaxLength)
        {
            return $"a label is 1 to {MaxLength} characters";
        }

        return name.Any(c => char.IsControl(c) || char.IsWhiteSpace(c) || c is ',' or '!')
            ? "a label has no spaces, control characters, commas or '!' (except one '!' in front: a mandatory label)"
            : null;
    }

    /// <summary>Whether a worker with <paramref name="workerLabels"/> may run a job whose <c>runs-on</c> asks for <paramref name="requested"/>.</summary>
    public static bool Matches(IEnumerable<string> workerLabels, IEnumerable<string> requested)
    {
        var asked = new HashSet<string>(requested, StringComparer.OrdinalIgnoreCase);
        var has = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var label in workerLabels)
        {
            if (label.StartsWith('!'))
            {
                if (!asked.Contains(label[1..]))
                {
                    return false;
                }

                has.Add(label[1..]);
            }
            else
            {
                has.Add(label);
            }
        }

        return asked.IsSubsetOf(has);
    }
}
