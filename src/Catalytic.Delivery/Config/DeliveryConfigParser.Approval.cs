using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Catalytic.Platform.Yaml;

namespace Catalytic.Delivery.Config;

/// <summary>
/// `approval:` as a mapping: who may decide for a protected environment.
/// <code>
/// approval:
///   required: true             # the default in this form
///   users: [alice, bob]        # these users…
///   roles: [approver]          # …and these roles (a role includes the ones above it) — instead of approver and admin
///   prevent-self-review: true  # nobody approves a deployment they requested
/// </code>
/// </summary>
public static partial class DeliveryConfigParser
{
    /// <summary>The people's roles an approval rule may name (the server's roles; a worker never approves).</summary>
    public static IReadOnlyList<string> ApproverRoles { get; } = ["viewer", "developer", "approver", "admin"];

    private static readonly string[] ApprovalKeys = ["required", "users", "roles", "prevent-self-review"];

    private static EnvironmentConfig ReadApproval(YamlReader r, YamlMapping map, EnvironmentConfig c)
    {
        r.CheckKeys(map, ApprovalKeys);
        var users = Names(r, map, "users", n => UserNameRegex().IsMatch(n) ? null : $"user name '{n}' must be lowercase letters, digits, '.', '_' or '-'");
        var roles = Names(r, map, "roles", n => ApproverRoles.Contains(n) ? null : $"role '{n}' must be one of {string.Join(", ", ApproverRoles)}");
        var named = r.Get(map, "users") is not null || r.Get(map, "roles") is not null;
        // Only when the lists were given empty: names that were given and refused have their own errors already.
        if (named && Given(r.Get(map, "users")) + Given(r.Get(map, "roles")) == 0)
        {
            r.Error(map, "`approval:` names nobody who may approve: give at least one of `users:` or `roles:` (or leave both out for approver and admin)");
        }

        var preventSelfReview = r.Bool(map, "prevent-self-review") ?? false;
        return c with
        {
            ApprovalRequired = r.Bool(map, "required") ?? true,
            Approvers = named || preventSelfReview ? new ApproverConfig(users, named ? roles : ["approver"], preventSelfReview) : null,
        };
    }

    /// <summary>A list of names under <paramref name="key"/> (a single string counts as a list of one), each checked by <paramref name="invalid"/>.</summary>
    private static ImmutableArray<string> Names(YamlReader r, YamlMapping map, string key, Func<string, string?> invalid)
    {
        var node = r.Get(map, key);
        IEnumerable<YamlNode> items = node switch
        {
            null => [],
            YamlSequence seq => seq.Items,
            YamlScalar => [node],
            _ => Bad(r, node, $"`{key}:` must be a list of names"),
        };
        var names = ImmutableArray.CreateBuilder<string>();
        foreach (var item in items)
        {
            if (item is not YamlScalar { Value: { Length: > 0 } name })
            {
                r.Error(item, $"`{key}:` must be a list of names");
            }
            else if (invalid(name) is { } error)
            {
                r.Error(item, error);
            }
            else if (!names.Contains(name))
            {
                names.Add(name);
            }
        }

        return names.ToImmutable();
    }

    /// <summary>How many names <paramref name="node"/> gives, valid or not (a scalar or a mapping counts as one).</summary>
    private static int Given(YamlNode? node) => node switch
    {
        null => 0,
        YamlSequence seq => seq.Items.Length,
        _ => 1,
    };

    private static YamlNode[] Bad(YamlReader r, YamlNode node, string message)
    {
        r.Error(node, message);
        return [];
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9._-]*$")]
    private static partial Regex UserNameRegex();
}
