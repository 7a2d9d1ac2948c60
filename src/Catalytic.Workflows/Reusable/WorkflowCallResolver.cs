using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;
using Catalytic.Workflows.Model;
using Catalytic.Workflows.Parsing;
using Catalytic.Workflows.Validation;

namespace Catalytic.Workflows.Reusable;

/// <summary>
/// The reusable workflows that a set of workflows calls (directly or nested), read from the repository, with every
/// problem of the calls. Keys are repository-relative paths such as <c>.github/workflows/build.yml</c>.
/// </summary>
public sealed record CalledWorkflows(ImmutableDictionary<string, Workflow> Workflows, ImmutableArray<Diagnostic> Diagnostics)
{
    public static CalledWorkflows Empty { get; } = new(ImmutableDictionary<string, Workflow>.Empty, []);

    public bool IsValid => !Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);

    /// <summary>The workflow a job's <c>uses:</c> calls, when it is local and was read without errors.</summary>
    public Workflow? Find(string uses) =>
        WorkflowCallResolver.LocalPath(uses) is { } key && Workflows.TryGetValue(key, out var workflow) ? workflow : null;
}

/// <summary>
/// Reads and checks the reusable workflows that jobs call with <c>uses: ./.github/workflows/x.yml</c>, before anything
/// runs: the file exists and has <c>on.workflow_call</c>; every <c>with</c> input and <c>secrets</c> entry is declared
/// by the callee, required ones are given, literal values have the input's type; calls nest at most
/// <see cref="MaxLevels"/> levels and never in a cycle; at most <see cref="MaxUniqueWorkflows"/> distinct reusable
/// workflows from one top-level file (GitHub's limits). Every problem is collected with file:line:column.
/// A remote call (<c>owner/repo/.github/workflows/x.yml@ref</c>) is a warning: the job fails when it runs.
/// </summary>
public static partial class WorkflowCallResolver
{
    /// <summary>GitHub: "You can connect up to ten levels of workflows" — the top-level caller and nine reusable ones.</summary>
    public const int MaxLevels = 10;

    /// <summary>GitHub: "a maximum of 50 unique reusable workflows from a single workflow file", nested ones included.</summary>
    public const int MaxUniqueWorkflows = 50;

    /// <summary>
    /// Resolves every call made by <paramref name="workflows"/> (and by what they call) against the repository at
    /// <paramref name="repositoryRoot"/>. Files already parsed (e.g. the loaded workflow folder) are passed in
    /// <paramref name="parsed"/> so they are not read twice and their own errors are not reported twice.
    /// </summary>
    public static CalledWorkflows Resolve(IEnumerable<Workflow> workflows, string repositoryRoot, IEnumerable<ParseResult>? parsed = null)
    {
        var resolver = new Resolver(Path.GetFullPath(repositoryRoot), parsed ?? []);
        foreach (var workflow in workflows)
        {
            resolver.CheckRoot(workflow);
        }

        return new CalledWorkflows(resolver.Called.ToImmutableDictionary(StringComparer.Ordinal), [.. resolver.Diagnostics.Distinct()]);
    }

    /// <summary>The repository-relative path of a local call (<c>./.github/workflows/x.yml</c> → <c>.github/workflows/x.yml</c>); null when remote.</summary>
    public static string? LocalPath(string uses) =>
        uses.StartsWith("./", StringComparison.Ordinal) ? uses[2..].Replace('\\', '/') : null;

    /// <summary>True for <c>owner/repo/path@ref</c>, the form GitHub uses for another repository's workflow.</summary>
    public static bool IsRemote(string uses) => !uses.StartsWith("./", StringComparison.Ordinal);

    /// <summary>The message a remote call fails with (Catalytic reads only this repository's files).</summary>
    public static string RemoteMessage(string uses) =>
        $"'{uses}' is a reusable workflow in another repository; Catalytic runs only local reusable workflows "
        + "('uses: ./.github/workflows/<file>.yml'): copy the workflow into this repository to run it here";

    [GeneratedRegex(@"\bjobs\.([A-Za-z_][A-Za-z0-9_-]*)")]
    private static partial Regex JobReference();

    private sealed class Resolver(string root, IEnumerable<ParseResult> parsed)
    {
        private readonly Dictionary<string, ParseResult?> _files = Seed(parsed);
        private readonly HashSet<string> _checkedFiles = new(StringComparer.Ordinal);

        public Dictionary<string, Workflow> Called { get; } = new(StringComparer.Ordinal);

        public List<Diagnostic> Diagnostics { get; } = [];

        private static Dictionary<string, ParseResult?> Seed(IEnumerable<ParseResult> parsed)
        {
            var files = new Dictionary<string, ParseResult?>(StringComparer.Ordinal);
            foreach (var p in parsed)
            {
                files[p.File.Replace('\\', '/')] = p;
            }

            return files;
        }

        public void CheckRoot(Workflow workflow)
        {
            var chain = new List<string> { Key(workflow) };
            var unique = new HashSet<string>(StringComparer.Ordinal);
            Visit(workflow, chain, unique);
            if (unique.Count > MaxUniqueWorkflows)
            {
                Error(workflow.Span, $"this workflow calls {unique.Count} distinct reusable workflows (nested ones included); GitHub allows at most {MaxUniqueWorkflows}");
            }
        }

        private static string Key(Workflow w) => w.File.Replace('\\', '/');

        /// <summary>Checks the calls of <paramref name="workflow"/>; <paramref name="chain"/> is the path of files that led here.</summary>
        private void Visit(Workflow workflow, List<string> chain, HashSet<string> unique)
        {
            var checkCalls = _checkedFiles.Add(Key(workflow));
            foreach (var job in workflow.Jobs.Where(j => j.Uses is not null))
            {
                var uses = job.Uses!;
                if (IsRemote(uses))
                {
                    if (checkCalls)
                    {
                        Warning(job.UsesSpan, $"job '{job.Id}': {RemoteMessage(uses)}; the job fails when it runs");
                    }

                    continue;
                }

                var key = LocalPath(uses)!;
                if (chain.Contains(key, StringComparer.Ordinal))
                {
                    Error(job.UsesSpan, $"job '{job.Id}' calls '{uses}', which is already being called: the calls form a cycle ({string.Join(" → ", chain.Append(key))})");
                    continue;
                }

                var callee = Load(job, key, report: checkCalls);
                if (callee is null)
                {
                    continue;
                }

                unique.Add(key);
                if (checkCalls)
                {
                    CheckCall(job, callee);
                }

                if (chain.Count + 1 > MaxLevels)
                {
                    Error(job.UsesSpan, $"job '{job.Id}' calls '{uses}' at level {chain.Count + 1} ({string.Join(" → ", chain.Append(key))}); GitHub connects at most {MaxLevels} levels of workflows (the caller and {MaxLevels - 1} reusable workflows)");
                    continue;
                }

                chain.Add(key);
                Visit(callee, chain, unique);
                chain.RemoveAt(chain.Count - 1);
            }
        }

        private Workflow? Load(Job job, string key, bool report)
        {
            var uses = job.Uses!;
            var parts = key.Split('/');
            if (parts.Length != 3 || parts[0] != ".github" || parts[1] != "workflows")
            {
                if (report)
                {
                    Error(job.UsesSpan, $"job '{job.Id}' calls '{uses}': a reusable workflow must lie directly in .github/workflows (GitHub does not look into other folders or subfolders)");
                }

                return null;
            }

            if (!_files.TryGetValue(key, out var result))
            {
                var full = Path.Combine(root, key);
                if (!File.Exists(full))
                {
                    result = null;
                }
                else
                {
                    try
                    {
                        result = WorkflowParser.Parse(key, File.ReadAllText(full));
                    }
                    catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                    {
                        result = new ParseResult(key, null, [new Diagnostic(new SourceSpan(key, 1, 1), "cannot read the file: " + e.Message)]);
                    }

                    // Files read here were not part of the loaded set: their own problems are reported once, now.
                    Diagnostics.AddRange(result.Diagnostics);
                }

                _files[key] = result;
            }

            if (result is null)
            {
                if (report)
                {
                    Error(job.UsesSpan, $"job '{job.Id}' calls '{uses}', but there is no such file in the repository");
                }

                return null;
            }

            if (result.Workflow is not { } callee)
            {
                if (report)
                {
                    Error(job.UsesSpan, $"job '{job.Id}' calls '{uses}', which has errors (see {key})");
                }

                return null;
            }

            if (callee.Call is null)
            {
                if (report)
                {
                    Error(job.UsesSpan, $"job '{job.Id}' calls '{uses}', which is not a reusable workflow: its 'on' does not list 'workflow_call'");
                }

                return null;
            }

            if (Called.TryAdd(key, callee))
            {
                CheckOutputs(callee);
            }

            return callee;
        }

        /// <summary>The callee's outputs must read jobs it has.</summary>
        private void CheckOutputs(Workflow callee)
        {
            var ids = callee.Jobs.Select(j => j.Id).ToList();
            foreach (var output in callee.Call!.Outputs)
            {
                foreach (Match m in JobReference().Matches(output.Value.Value))
                {
                    var id = m.Groups[1].Value;
                    if (!ids.Contains(id, StringComparer.Ordinal))
                    {
                        Error(output.Value.Span, $"output '{output.Name}' reads 'jobs.{id}', but this workflow has no job '{id}'{Suggestions.DidYouMean(id, ids)}");
                    }
                }
            }
        }

        private void CheckCall(Job job, Workflow callee)
        {
            var call = callee.Call!;
            var uses = job.Uses!;
            var declared = call.Inputs.Select(i => i.Name).ToList();
            var given = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (key, value) in job.With?.Entries ?? [])
            {
                given.Add(key.Value);
                var input = call.Inputs.FirstOrDefault(i => i.Name == key.Value);
                if (input is null)
                {
                    Error(key.Span, declared.Count == 0
                        ? $"input '{key.Value}' is not defined by '{uses}', which declares no inputs"
                        : $"input '{key.Value}' is not defined by '{uses}'{Suggestions.DidYouMean(key.Value, declared)} (its inputs: {string.Join(", ", declared)})");
                    continue;
                }

                if (value is TemplateScalar s && TypeError(input, s) is { } typeError)
                {
                    Error(s.Span, typeError + $" ('{uses}' declares it at {input.Span})");
                }
            }

            foreach (var input in call.Inputs.Where(i => i.Required && i.Default is null && !given.Contains(i.Name)))
            {
                Error(job.UsesSpan, $"job '{job.Id}' does not pass input '{input.Name}', which '{uses}' requires (add it under 'with')");
            }

            if (job.Secrets is TemplateScalar)
            {
                return; // `inherit`: every secret of the caller goes through, whatever the callee declares.
            }

            var secretNames = call.Secrets.Select(s => s.Name).ToList();
            var passed = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (key, _) in (job.Secrets as TemplateMapping)?.Entries ?? [])
            {
                passed.Add(key.Value);
                if (!secretNames.Contains(key.Value, StringComparer.Ordinal))
                {
                    Error(key.Span, secretNames.Count == 0
                        ? $"secret '{key.Value}' is not defined by '{uses}', which declares no secrets"
                        : $"secret '{key.Value}' is not defined by '{uses}'{Suggestions.DidYouMean(key.Value, secretNames)} (its secrets: {string.Join(", ", secretNames)})");
                }
            }

            foreach (var secret in call.Secrets.Where(s => s.Required && !passed.Contains(s.Name)))
            {
                Error(job.UsesSpan, $"job '{job.Id}' does not pass secret '{secret.Name}', which '{uses}' requires (add it under 'secrets', or 'secrets: inherit')");
            }
        }

        /// <summary>A literal that cannot have the input's type; expressions are checked when they are evaluated.</summary>
        private static string? TypeError(InputDefinition input, TemplateScalar value)
        {
            if (value.Value.Contains("${{", StringComparison.Ordinal))
            {
                return null;
            }

            var isNull = value.IsPlain && value.Value is "" or "~" or "null" or "Null" or "NULL";
            var isBool = value.IsPlain && value.Value is "true" or "false" or "True" or "False" or "TRUE" or "FALSE";
            var isNumber = value.IsPlain && double.TryParse(value.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
            var kind = isNull ? "null" : isBool ? "a boolean" : isNumber ? "a number" : "a string";
            return input.Type switch
            {
                InputType.Boolean when !isBool => $"input '{input.Name}' is a boolean, but {kind} ('{value.Value}') is given",
                InputType.Number when !isNumber => $"input '{input.Name}' is a number, but {kind} ('{value.Value}') is given",
                InputType.String when isNull => $"input '{input.Name}' is a string, but null is given (write ${{{{ 'null' }}}} for the text)",
                _ => null,
            };
        }

        private void Error(SourceSpan at, string message) => Diagnostics.Add(new Diagnostic(at, message));

        private void Warning(SourceSpan at, string message) => Diagnostics.Add(new Diagnostic(at, message, DiagnosticSeverity.Warning));
    }
}
