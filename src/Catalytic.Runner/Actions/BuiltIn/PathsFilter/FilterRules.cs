using Catalytic.Platform.Yaml;
using Catalytic.Workflows.Globbing;

namespace Catalytic.Runner.Actions.BuiltIn.PathsFilter;

/// <summary>One changed file: its repository-relative path and git status (`added`, `modified`, `deleted`, `renamed`, `copied`, `unmerged`).</summary>
public sealed record ChangedFile(string Path, string Status);

/// <summary>
/// dorny/paths-filter's `filters` YAML: named rules, each a glob, a list of globs (nested lists from YAML
/// anchors are flattened), or `status|status: glob(s)` items. Under `predicate-quantifier: some` (the default)
/// a rule's plain globs act like a .gitignore: a file matches when a positive glob matches and no `!glob` does;
/// under `every` each item must match. Globs are picomatch with `dot: true`.
/// </summary>
public sealed class FilterRules
{
    private readonly List<(string Name, List<RuleItem> Items)> _rules = [];
    private readonly bool _every;

    private FilterRules(bool every) => _every = every;

    /// <summary>The filter names in the order they were written.</summary>
    public IReadOnlyList<string> Names => _rules.Select(r => r.Name).ToArray();

    private sealed record RuleItem(IReadOnlyList<string>? Statuses, Func<string, bool> IsMatch);

    /// <summary>Parses the YAML; throws <see cref="FormatException"/> with a precise message on bad input.</summary>
    public static FilterRules Parse(string yaml, bool every)
    {
        var rules = new FilterRules(every);
        // Read with the one YAML layer: every problem of the rules (duplicate filter names included) with its position.
        var document = YamlDocument.Parse("filters", yaml);
        if (!document.Errors.IsEmpty)
        {
            throw new FormatException(string.Join("\n", document.Errors.Select(e => $"Invalid filter YAML at line {e.At.Line}, column {e.At.Column}: {e.Message}")));
        }

        if (document.Root is not YamlMapping root)
        {
            throw new FormatException("Invalid filter YAML format: Root element is not an object.");
        }

        foreach (var (keyNode, value) in root.Entries)
        {
            var name = keyNode.Value;
            rules._rules.Add((name, rules.ParseItem(value, name)));
        }

        return rules;
    }

    /// <summary>The files each filter matches, by filter name in written order.</summary>
    public IReadOnlyList<(string Name, IReadOnlyList<ChangedFile> Files)> Match(IReadOnlyList<ChangedFile> files) =>
        _rules.Select(rule => (rule.Name, (IReadOnlyList<ChangedFile>)files.Where(f => IsMatch(f, rule.Items)).ToArray())).ToArray();

    private bool IsMatch(ChangedFile file, List<RuleItem> items)
    {
        bool Predicate(RuleItem item) => (item.Statuses is null || item.Statuses.Contains(file.Status)) && item.IsMatch(file.Path);
        return _every ? items.All(Predicate) : items.Any(Predicate);
    }

    private List<RuleItem> ParseItem(YamlNode node, string name)
    {
        switch (node)
        {
            case YamlScalar scalar:
                var glob = Compile(scalar, scalar.Value, name);
                return [new RuleItem(null, glob.Selects)];
            case YamlSequence sequence when !_every:
                var strings = new List<YamlScalar>();
                var others = new List<RuleItem>();
                Collect(sequence, strings, others, name);
                var grouped = Grouped(strings, name);
                if (grouped is null && others.Count == 0)
                {
                    throw new FormatException($"Invalid filter YAML format: filter '{name}' must contain at least one positive pattern.");
                }

                return grouped is null ? others : [new RuleItem(null, grouped), .. others];
            case YamlSequence sequence:
                return sequence.Items.SelectMany(child => ParseItem(child, name)).ToList();
            case YamlMapping mapping:
                return mapping.Entries.Select(entry =>
                {
                    var statuses = entry.Key.Value
                        .Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                        .Select(s => s.ToLowerInvariant()).ToArray();
                    Func<string, bool> matcher = entry.Value switch
                    {
                        YamlScalar s => Compile(s, s.Value, name).Selects,
                        YamlSequence seq => Grouped([.. seq.Items.OfType<YamlScalar>()], name)
                            ?? throw new FormatException($"Invalid filter YAML format: status-tagged item '{entry.Key}' of filter '{name}' has no positive pattern."),
                        _ => throw new FormatException($"Invalid filter YAML format: filter '{name}' item '{entry.Key}' must be a glob or a list of globs (line {entry.Value.Start.Line})."),
                    };
                    return new RuleItem(statuses, matcher);
                }).ToList();
            default:
                throw new FormatException($"Invalid filter YAML format: unexpected element in filter '{name}' at line {node.Start.Line}.");
        }
    }

    private void Collect(YamlNode node, List<YamlScalar> strings, List<RuleItem> others, string name)
    {
        switch (node)
        {
            case YamlSequence sequence:
                foreach (var child in sequence.Items)
                {
                    Collect(child, strings, others, name);
                }

                break;
            case YamlScalar scalar:
                strings.Add(scalar);
                break;
            default:
                others.AddRange(ParseItem(node, name));
                break;
        }
    }

    /// <summary>Positive globs OR'ed, minus any `!glob` (gitignore-like); null when there is no positive glob.</summary>
    private static Func<string, bool>? Grouped(IReadOnlyList<YamlScalar> patterns, string name)
    {
        var positives = patterns.Where(p => !IsNegation(p.Value)).Select(p => Compile(p, p.Value, name)).ToArray();
        var negatives = patterns.Where(p => IsNegation(p.Value)).Select(p => Compile(p, p.Value[1..], name)).ToArray();
        if (positives.Length == 0)
        {
            return null;
        }

        return path => positives.Any(p => p.Selects(path)) && !negatives.Any(n => n.Selects(path));
    }

    /// <summary>The glob of <paramref name="node"/>; one the glob compiler refuses is a format error at its position.</summary>
    private static GlobPattern Compile(YamlScalar node, string pattern, string name) =>
        GlobPattern.TryParse(pattern, GlobSyntax.PathGlob, out var glob, out var error)
            ? glob!
            : throw new FormatException($"Invalid filter YAML at line {node.Start.Line}, column {node.Start.Column}: filter '{name}' has a pattern that is not a valid glob ({error})");

    private static bool IsNegation(string pattern) => pattern.Length > 1 && pattern[0] == '!' && pattern[1] != '(';
}
