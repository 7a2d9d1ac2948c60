using System.Collections.Frozen;

namespace Catalytic.Workflows.Validation;

/// <summary>
/// The keys GitHub's workflow syntax knows at each level, and the allowed values of closed sets
/// (events, activity types, shells, permissions). Mirrors GitHub's published workflow schema.
/// </summary>
public static class WorkflowSchema
{
    public static readonly IReadOnlyList<string> WorkflowKeys = ["name", "description", "run-name", "on", "permissions", "env", "defaults", "concurrency", "jobs"];

    /// <summary>Keys of a job that runs steps.</summary>
    public static readonly IReadOnlyList<string> JobKeys =
    [
        "name", "needs", "if", "strategy", "runs-on", "timeout-minutes", "cancel-timeout-minutes", "continue-on-error",
        "container", "services", "env", "environment", "permissions", "concurrency", "outputs", "defaults", "steps", "snapshot",
    ];

    /// <summary>Keys of a job that calls a reusable workflow (`uses:`): a strict subset.</summary>
    public static readonly IReadOnlyList<string> CallJobKeys = ["name", "uses", "with", "secrets", "needs", "if", "permissions", "concurrency", "strategy"];

    public static readonly IReadOnlyList<string> StepKeys = ["name", "id", "if", "timeout-minutes", "run", "uses", "with", "env", "continue-on-error", "working-directory", "shell"];

    /// <summary>Step keys GitHub knows (background steps) that Catalytic does not run.</summary>
    public static readonly IReadOnlyList<string> UnsupportedStepKeys = ["background", "wait", "wait-all", "cancel"];

    public static readonly IReadOnlyList<string> StrategyKeys = ["matrix", "fail-fast", "max-parallel"];
    public static readonly IReadOnlyList<string> ContainerKeys = ["image", "options", "env", "ports", "volumes", "credentials"];
    public static readonly IReadOnlyList<string> ServiceKeys = ["image", "options", "env", "ports", "volumes", "credentials", "entrypoint", "command"];
    public static readonly IReadOnlyList<string> CredentialsKeys = ["username", "password"];
    public static readonly IReadOnlyList<string> ConcurrencyKeys = ["group", "cancel-in-progress", "queue"];
    public static readonly IReadOnlyList<string> EnvironmentKeys = ["name", "url", "deployment"];
    public static readonly IReadOnlyList<string> RunsOnKeys = ["group", "labels"];
    public static readonly IReadOnlyList<string> DefaultsKeys = ["run"];
    public static readonly IReadOnlyList<string> DefaultsRunKeys = ["shell", "working-directory"];
    public static readonly IReadOnlyList<string> SnapshotKeys = ["image-name", "if", "version"];
    public static readonly IReadOnlyList<string> ScheduleKeys = ["cron", "timezone"];
    public static readonly IReadOnlyList<string> WorkflowCallKeys = ["inputs", "outputs", "secrets"];
    public static readonly IReadOnlyList<string> WorkflowCallInputKeys = ["description", "type", "required", "default"];
    public static readonly IReadOnlyList<string> WorkflowCallOutputKeys = ["description", "value"];
    public static readonly IReadOnlyList<string> WorkflowCallSecretKeys = ["description", "required"];
    public static readonly IReadOnlyList<string> WorkflowDispatchKeys = ["inputs"];
    public static readonly IReadOnlyList<string> WorkflowDispatchInputKeys = ["description", "type", "required", "default", "options"];

    public static readonly IReadOnlyList<string> BuiltinShells = ["bash", "pwsh", "python", "sh", "cmd", "powershell"];

    public static readonly IReadOnlyList<string> PermissionScopes =
    [
        "actions", "artifact-metadata", "attestations", "checks", "contents", "copilot-requests", "deployments", "discussions",
        "id-token", "issues", "models", "packages", "pages", "pull-requests", "repository-projects", "security-events", "statuses",
        "vulnerability-alerts",
    ];

    /// <summary>Scopes limited to a subset of read/write/none.</summary>
    public static readonly FrozenDictionary<string, string[]> RestrictedPermissionLevels = new Dictionary<string, string[]>
    {
        ["id-token"] = ["write", "none"],
        ["copilot-requests"] = ["write", "none"],
        ["models"] = ["read", "none"],
        ["vulnerability-alerts"] = ["read", "none"],
    }.ToFrozenDictionary();

    private static readonly string[] PullRequestTypes =
    [
        "assigned", "unassigned", "labeled", "unlabeled", "opened", "edited", "closed", "reopened", "synchronize",
        "converted_to_draft", "locked", "unlocked", "enqueued", "dequeued", "milestoned", "demilestoned", "ready_for_review",
        "review_requested", "review_request_removed", "auto_merge_enabled", "auto_merge_disabled",
    ];

    private static readonly string[] BranchFilters = ["branches", "branches-ignore"];
    private static readonly string[] PathFilters = ["paths", "paths-ignore"];

    /// <summary>
    /// Every event a workflow can listen to: the filter keys it accepts under `on.&lt;event&gt;`, and its activity
    /// types (null = `types` not accepted; empty = any value, as for repository_dispatch).
    /// </summary>
    public static readonly FrozenDictionary<string, EventSchema> Events = new Dictionary<string, EventSchema>
    {
        ["branch_protection_rule"] = Typed("created", "edited", "deleted"),
        ["check_run"] = Typed("created", "rerequested", "completed", "requested_action"),
        ["check_suite"] = Typed("completed"),
        ["create"] = Plain(),
        ["delete"] = Plain(),
        ["deployment"] = Plain(),
        ["deployment_status"] = Plain(),
        ["discussion"] = Typed("created", "edited", "deleted", "transferred", "pinned", "unpinned", "labeled", "unlabeled", "locked", "unlocked", "category_changed", "answered", "unanswered"),
        ["discussion_comment"] = Typed("created", "edited", "deleted"),
        ["fork"] = Plain(),
        ["gollum"] = Plain(),
        ["image_version"] = new(["types", "names", "versions"], ["created", "ready", "deleted"]),
        ["issue_comment"] = Typed("created", "edited", "deleted"),
        ["issues"] = Typed("opened", "edited", "deleted", "transferred", "pinned", "unpinned", "closed", "reopened", "assigned", "unassigned", "labeled", "unlabeled", "locked", "unlocked", "milestoned", "demilestoned", "typed", "untyped"),
        ["label"] = Typed("created", "edited", "deleted"),
        ["merge_group"] = new(["types", .. BranchFilters], ["checks_requested"]),
        ["milestone"] = Typed("created", "closed", "opened", "edited", "deleted"),
        ["page_build"] = Plain(),
        ["project"] = Typed("created", "closed", "reopened", "edited", "deleted"),
        ["project_card"] = Typed("created", "moved", "converted", "edited", "deleted"),
        ["project_column"] = Typed("created", "updated", "moved", "deleted"),
        ["public"] = Plain(),
        ["pull_request"] = new(["types", .. BranchFilters, .. PathFilters], PullRequestTypes),
        ["pull_request_comment"] = Typed("created", "edited", "deleted"),
        ["pull_request_review"] = Typed("submitted", "edited", "dismissed"),
        ["pull_request_review_comment"] = Typed("created", "edited", "deleted"),
        ["pull_request_target"] = new(["types", .. BranchFilters, .. PathFilters], PullRequestTypes),
        ["push"] = new([.. BranchFilters, "tags", "tags-ignore", .. PathFilters], null),
        ["registry_package"] = Typed("published", "updated"),
        ["release"] = Typed("published", "unpublished", "created", "edited", "deleted", "prereleased", "released"),
        ["repository_dispatch"] = new(["types"], []),
        ["schedule"] = Plain(),
        ["status"] = Plain(),
        ["watch"] = Typed("started"),
        ["workflow_call"] = new(WorkflowCallKeys, null),
        ["workflow_dispatch"] = new(WorkflowDispatchKeys, null),
        ["workflow_run"] = new(["types", "workflows", .. BranchFilters], ["completed", "requested", "in_progress"]),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Activity types `pull_request` and `pull_request_target` run for when `types` is not given.</summary>
    public static readonly IReadOnlyList<string> DefaultPullRequestTypes = ["opened", "synchronize", "reopened"];

    private static EventSchema Typed(params string[] types) => new(["types"], types);

    private static EventSchema Plain() => new([], null);
}

/// <summary>What `on.&lt;event&gt;` accepts: its filter keys and activity types (null: no `types`; empty: any).</summary>
public sealed record EventSchema(IReadOnlyList<string> Keys, IReadOnlyList<string>? Types);
