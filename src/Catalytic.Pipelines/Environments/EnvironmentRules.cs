using System.Collections.Immutable;
using Catalytic.Platform.Config;
using Catalytic.Platform.Yaml;
using Catalytic.Workflows.Globbing;
using Catalytic.Workflows.Triggers;

namespace Catalytic.Pipelines.Environments;

/// <summary>
/// The protection rules of one environment a pipeline job deploys to (<c>environment: NAME</c>), GitHub's rules:
/// required reviewers (<see cref="RequiredApproval"/>: these users, or people with these roles; by default approvers
/// and admins), <see cref="PreventSelfReview"/> (who started the run may not approve its jobs), and which branches and
/// tags may deploy there.
/// </summary>
public sealed record EnvironmentRule(string Name)
{
    /// <summary>Whether a job waits for an approval before it is queued.</summary>
    public bool RequiredApproval { get; init; }

    /// <summary>Users who may approve (besides <see cref="Roles"/>).</summary>
    public ImmutableArray<string> Users { get; init; } = [];

    /// <summary>Roles whose holders (and the roles above) may approve; approver (and admin) by default.</summary>
    public ImmutableArray<string> Roles { get; init; } = ["approver"];

    public bool PreventSelfReview { get; init; }

    /// <summary>Branch patterns (GitHub's globs) that may deploy; null with <see cref="Tags"/> null: any ref.</summary>
    public ImmutableArray<string>? Branches { get; init; }

    /// <summary>Tag patterns that may deploy.</summary>
    public ImmutableArray<string>? Tags { get; init; }

    /// <summary>Null when <paramref name="gitRef"/> may deploy here, else GitHub's sentence saying why not.</summary>
    public string? RefRefusal(string gitRef)
    {
        if (Branches is null && Tags is null)
        {
            return null;
        }

        if (gitRef.StartsWith("refs/heads/", StringComparison.Ordinal) && Branches is { } b && GlobFilter.Parse(b).Matches(gitRef["refs/heads/".Length..]))
        {
            return null;
        }

        if (gitRef.StartsWith("refs/tags/", StringComparison.Ordinal) && Tags is { } t && GlobFilter.Parse(t).Matches(gitRef["refs/tags/".Length..]))
        {
            return null;
        }

        var (kind, name) = gitRef.StartsWith("refs/tags/", StringComparison.Ordinal) ? ("Tag", gitRef["refs/tags/".Length..])
            : gitRef.StartsWith("refs/heads/", StringComparison.Ordinal) ? ("Branch", gitRef["refs/heads/".Length..])
            : ("Ref", gitRef);
        return $"{kind} \"{name}\" is not allowed to deploy to {Name} due to environment protection rules.";
    }

    /// <summary>Null when <paramref name="approver"/> may approve a job of a run started by <paramref name="runActor"/>; else why not.</summary>
    public string? ApprovalRefusal(Approver approver, string runActor)
    {
        var allowed = Users.Contains(approver.Name, StringComparer.Ordinal)
            || Roles.Any(r => approver.Roles.Any(held => RoleRank(held) >= RoleRank(r) && RoleRank(r) > 0));
        if (!allowed)
        {
            var who = string.Join(", ", Users.Select(u => "user " + u).Concat(Roles.Select(r => "role " + r + (r == "admin" ? "" : " or above"))));
            return $"{approver.Name} may not approve deployments to {Name}; allowed: {(who.Length == 0 ? "nobody" : who)}";
        }

        return PreventSelfReview && string.Equals(approver.Name, runActor, StringComparison.Ordinal)
            ? $"{approver.Name} started this run; {Name} prevents self-review, so someone else must approve"
            : null;
    }

    /// <summary>The roles of issue 13, lowest first; 0 for an unknown one.</summary>
    public static int RoleRank(string role) => role switch
    {
        "viewer" => 1,
        "developer" => 2,
        "approver" => 3,
        "admin" => 4,
        _ => 0,
    };
}

/// <summary>Who approves: a name and the roles the server's authentication gave them.</summary>
public sealed record Approver(string Name, IReadOnlyCollection<string> Roles);

/// <summary>
/// The <c>environments:</c> section of catalytic.yml: the environments pipeline jobs deploy to and their protection
/// rules. Each one reads, e.g.:
/// <code>
/// environments:
///   production:
///     required-approval: true          # or {users: [alice], roles: [admin]}
///     prevent-self-review: true
///     branches: [main, 'release/**']   # GitHub's globs; tags: [v*] for tags
/// </code>
/// An environment not listed has no rules (as on GitHub, where an environment a job names is created unprotected).
/// </summary>
public sealed record EnvironmentRules(ImmutableDictionary<string, EnvironmentRule> Environments)
{
    /// <summary>No environment protected.</summary>
    public static EnvironmentRules None { get; } = new(ImmutableDictionary<string, EnvironmentRule>.Empty);

    private static readonly string[] Keys = ["required-approval", "prevent-self-review", "branches", "tags"];
    private static readonly string[] ApprovalKeys = ["users", "roles"];

    /// <summary>The rule of <paramref name="environment"/> (names compare without case, as on GitHub), or null.</summary>
    public EnvironmentRule? Find(string environment) =>
        Environments.TryGetValue(environment.ToLowerInvariant(), out var rule) ? rule : null;

    /// <summary>Reads the <c>environments:</c> section of catalytic.yml's text. Errors are <c>file:line:column: message</c>.</summary>
    public static (EnvironmentRules Rules, ImmutableArray<string> Errors) Parse(string text, string file) =>
        CatalyticFile.Parse(text, file).ReadReporting(Section);

    /// <summary>The <c>environments:</c> section of catalytic.yml (no rule when absent).</summary>
    public static ConfigSection<EnvironmentRules> Section { get; } = new("environments", ReadSection, None);

    private static EnvironmentRules ReadSection(YamlNode section, YamlReader r)
    {
        if (section is not YamlMapping envs)
        {
            r.Error(section, "`environments:` must be a mapping of environment names to their protection rules");
            return None;
        }

        var rules = ImmutableDictionary.CreateBuilder<string, EnvironmentRule>(StringComparer.Ordinal);
        foreach (var (key, value) in envs.Entries)
        {
            var name = key.Value;
            if (name.Length == 0 || name.Length > 255 || name.Any(c => char.IsControl(c) || c is '/' or ','))
            {
                r.Error(key, $"environment name '{name}' must be 1 to 255 characters without '/', ',' or control characters");
                continue;
            }

            if (value is YamlScalar { Value: "" or "~" })
            {
                rules[name.ToLowerInvariant()] = new EnvironmentRule(name);
                continue;
            }

            if (value is not YamlMapping map)
            {
                r.Error(value, $"environment '{name}' must be a mapping of protection rules ({string.Join(", ", Keys)})");
                continue;
            }

            rules[name.ToLowerInvariant()] = Read(name, map, r.Error);
        }

        return new EnvironmentRules(rules.ToImmutable());
    }

    private static EnvironmentRule Read(string name, YamlMapping map, Action<YamlNode, string> error)
    {
        var rule = new EnvironmentRule(name);
        foreach (var (k, v) in map.Entries)
        {
            var key = k.Value;
            switch (key)
            {
                case "required-approval" when v is YamlScalar s:
                    rule = Bool(s, key, error) is { } required ? rule with { RequiredApproval = required } : rule;
                    break;
                case "required-approval" when v is YamlMapping who:
                    rule = rule with { RequiredApproval = true };
                    foreach (var (wk, wv) in who.Entries)
                    {
                        var whoKey = wk.Value;
                        if (whoKey == "users")
                        {
                            rule = rule with { Users = Names(wv, "users", _ => null, error) };
                        }
                        else if (whoKey == "roles")
                        {
                            rule = rule with
                            {
                                Roles = Names(wv, "roles", r => EnvironmentRule.RoleRank(r) > 0 ? null : $"role '{r}' must be one of viewer, developer, approver, admin", error),
                            };
                        }
                        else
                        {
                            error(wk, $"unknown key '{whoKey}' in `required-approval:` (expected one of: {string.Join(", ", ApprovalKeys)})");
                        }
                    }

                    if (who["users"] is not null && who["roles"] is null)
                    {
                        rule = rule with { Roles = [] }; // naming users replaces the default roles
                    }

                    if (rule.Users.IsEmpty && rule.Roles.IsEmpty)
                    {
                        error(v, "`required-approval:` names nobody who may approve: give `users:` or `roles:`, or write `true` for approvers and admins");
                    }

                    break;
                case "required-approval":
                    error(v, "`required-approval:` must be true, false or {users, roles}");
                    break;
                case "prevent-self-review" when v is YamlScalar s:
                    rule = Bool(s, key, error) is { } prevent ? rule with { PreventSelfReview = prevent } : rule;
                    break;
                case "branches":
                    rule = rule with { Branches = Patterns(v, key, error) };
                    break;
                case "tags":
                    rule = rule with { Tags = Patterns(v, key, error) };
                    break;
                default:
                    error(k, $"unknown key '{key}' in environment '{name}' (expected one of: {string.Join(", ", Keys)})");
                    break;
            }
        }

        return rule;
    }

    private static bool? Bool(YamlScalar node, string key, Action<YamlNode, string> error)
    {
        switch (node.Value)
        {
            case "true":
                return true;
            case "false":
                return false;
            default:
                error(node, $"`{key}:` must be true or false; got '{node.Value}'");
                return null;
        }
    }

    private static ImmutableArray<string> Names(YamlNode node, string key, Func<string, string?> invalid, Action<YamlNode, string> error)
    {
        IEnumerable<YamlNode> items = node switch
        {
            YamlSequence seq => seq.Items,
            YamlScalar => [node],
            _ => [],
        };
        if (node is not (YamlSequence or YamlScalar))
        {
            error(node, $"`{key}:` must be a list of names");
        }

        var names = ImmutableArray.CreateBuilder<string>();
        foreach (var item in items)
        {
            if (item is not YamlScalar { Value: { Length: > 0 } value })
            {
                error(item, $"`{key}:` must be a list of names");
            }
            else if (invalid(value) is { } why)
            {
                error(item, why);
            }
            else if (!names.Contains(value))
            {
                names.Add(value);
            }
        }

        return names.ToImmutable();
    }

    private static ImmutableArray<string>? Patterns(YamlNode node, string key, Action<YamlNode, string> error)
    {
        var names = Names(node, key, p => GlobPattern.TryParse(p, GlobSyntax.FilterPattern, out _, out var why) ? null : $"`{key}:` pattern '{p}': {why}", error);
        return names;
    }
}
