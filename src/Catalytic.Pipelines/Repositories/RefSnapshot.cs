using System.Collections.Immutable;

namespace Catalytic.Pipelines.Repositories;

/// <summary>What a ref points at: the object (a commit, or an annotated tag) and, for a tag object, the commit it names.</summary>
public readonly record struct RefTarget(string Object, string Commit);

/// <summary>The branches and tags of a repository at one moment (<c>refs/heads/…</c> and <c>refs/tags/…</c> → target).</summary>
public sealed record RefSnapshot(ImmutableSortedDictionary<string, RefTarget> Refs)
{
    /// <summary>No refs.</summary>
    public static RefSnapshot Empty { get; } = new(ImmutableSortedDictionary.Create<string, RefTarget>(StringComparer.Ordinal));

    /// <summary>
    /// The changes from <paramref name="before"/> to this snapshot, in ref-name order: created, updated (fast-forward or
    /// not is decided later, with the commits at hand) and deleted refs. Unchanged refs are not listed.
    /// </summary>
    public ImmutableArray<RefChange> Since(RefSnapshot before)
    {
        var changes = ImmutableArray.CreateBuilder<RefChange>();
        foreach (var (name, target) in Refs)
        {
            if (!before.Refs.TryGetValue(name, out var old))
            {
                changes.Add(new RefChange(name, null, target));
            }
            else if (old.Object != target.Object)
            {
                changes.Add(new RefChange(name, old, target));
            }
        }

        foreach (var (name, old) in before.Refs)
        {
            if (!Refs.ContainsKey(name))
            {
                changes.Add(new RefChange(name, old, null));
            }
        }

        return [.. changes.OrderBy(c => c.Ref, StringComparer.Ordinal)];
    }

    /// <summary>Reads <c>git for-each-ref --format=%(refname) %(objectname) %(*objectname)</c> output, removing <paramref name="prefix"/> from names.</summary>
    public static RefSnapshot Parse(string output, string prefix = "refs/")
    {
        var builder = ImmutableSortedDictionary.CreateBuilder<string, RefTarget>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ');
            if (parts.Length < 2 || !parts[0].StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            var name = "refs/" + parts[0][prefix.Length..];
            if (!name.StartsWith("refs/heads/", StringComparison.Ordinal) && !name.StartsWith("refs/tags/", StringComparison.Ordinal))
            {
                continue;
            }

            var peeled = parts.Length > 2 && parts[2].Length > 0 ? parts[2] : parts[1];
            builder[name] = new RefTarget(parts[1], peeled);
        }

        return new RefSnapshot(builder.ToImmutable());
    }
}

/// <summary>One ref's change between two snapshots: created (<see cref="Before"/> null), deleted (<see cref="After"/> null) or moved.</summary>
public sealed record RefChange(string Ref, RefTarget? Before, RefTarget? After)
{
    /// <summary>True for <c>refs/tags/…</c>.</summary>
    public bool IsTag => Ref.StartsWith("refs/tags/", StringComparison.Ordinal);

    /// <summary>The branch or tag name without its <c>refs/heads/</c> or <c>refs/tags/</c>.</summary>
    public string ShortName => Ref[(IsTag ? "refs/tags/".Length : "refs/heads/".Length)..];

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Ref} {Before?.Object[..7] ?? "(new)"} → {After?.Object[..7] ?? "(deleted)"}";
}
