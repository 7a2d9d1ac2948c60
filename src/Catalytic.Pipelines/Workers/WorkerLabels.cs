namespace Catalytic.Pipelines.Workers;

/// <summary>
/// What a worker may declare as labels. A worker label written <c>!label</c> is mandatory (Woodpecker's rule): the
/// worker takes only jobs that ask for it, so a machine kept for one kind of job (<c>!gpu</c>, <c>!deploy</c>) is not
/// filled by jobs any worker could run. The matching itself is the queue's one rule,
/// <see cref="Queue.RunsOnLabels.Satisfies"/>; a worker's default labels are <see cref="Queue.RunsOnLabels.Embedded"/>.
/// </summary>
public static class WorkerLabels
{
    /// <summary>The longest label.</summary>
    public const int MaxLength = 100;

    /// <summary>The most labels a worker declares.</summary>
    public const int MaxCount = 64;

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
}
