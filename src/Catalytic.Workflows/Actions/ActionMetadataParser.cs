using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Catalytic.Workflows.Model;
using Catalytic.Workflows.Parsing;
using Catalytic.Workflows.Validation;

namespace Catalytic.Workflows.Actions;

/// <summary>
/// Reads an action's <c>action.yml</c>/<c>action.yaml</c> per GitHub's metadata syntax (the runner's action schema):
/// loose keys at the top and in an input are accepted as GitHub does, while <c>runs</c>, outputs and composite steps
/// are strict. Every problem is reported with file:line:column; never throws on bad input.
/// </summary>
public static partial class ActionMetadataParser
{
    /// <summary>The node <c>runs.using</c> values Catalytic understands (besides composite and docker).</summary>
    public static readonly ImmutableArray<string> NodeRuntimes = ["node12", "node16", "node20", "node24"];

    private static readonly string[] CompositeRunsKeys = ["using", "steps"];
    private static readonly string[] NodeRunsKeys = ["using", "main", "pre", "pre-if", "post", "post-if"];
    private static readonly string[] DockerRunsKeys = ["using", "image", "entrypoint", "args", "env", "pre-entrypoint", "pre-if", "post-entrypoint", "post-if"];
    private static readonly string[] OutputKeys = ["description", "value"];
    private static readonly string[] RunStepKeys = ["name", "id", "if", "run", "env", "continue-on-error", "working-directory", "shell"];
    private static readonly string[] UsesStepKeys = ["name", "id", "if", "uses", "with", "env", "continue-on-error"];

    /// <summary>The metadata file in <paramref name="directory"/>: <c>action.yml</c>, else <c>action.yaml</c>; null when neither exists.</summary>
    public static string? FindMetadataFile(string directory)
    {
        foreach (var name in new[] { "action.yml", "action.yaml" })
        {
            var path = Path.Combine(directory, name);
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }

    /// <summary>Parses <paramref name="text"/>; <paramref name="file"/> names it in the model and in diagnostics.</summary>
    public static ActionMetadataResult Parse(string file, string text)
    {
        var diagnostics = new List<Diagnostic>();
        var root = YamlTreeReader.Read(file, text, diagnostics);
        ActionMetadata? action = null;
        if (root is not null)
        {
            action = new Reader(file, diagnostics).Read(root);
        }
        else if (diagnostics.Count == 0)
        {
            diagnostics.Add(new Diagnostic(new SourceSpan(file, 1, 1), "the action metadata is empty; expected a mapping with 'runs'"));
        }

        var ordered = diagnostics.OrderBy(d => d.Location.Line).ThenBy(d => d.Location.Column).Distinct().ToImmutableArray();
        return new ActionMetadataResult(ordered.Any(d => d.Severity == DiagnosticSeverity.Error) ? null : action, ordered);
    }

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_-]*$")]
    private static partial Regex IdPattern();

    private sealed class Reader(string file, List<Diagnostic> diagnostics)
    {
        public ActionMetadata? Read(TemplateNode root)
        {
            if (root is not TemplateMapping map)
            {
                Error(root.Span, $"expected the action metadata to be a mapping with 'runs', found a {Kind(root)}");
                return null;
            }

            var name = map["name"] is TemplateScalar n ? n.Value : null;
            var inputs = map["inputs"] is { } i ? ReadInputs(i) : [];
            var runsEntry = Entry(map, "runs");
            ActionRuns? runs = null;
            if (runsEntry is null)
            {
                Error(map.Span, "missing required key 'runs': how the action runs (e.g. 'runs: { using: composite, steps: [...] }')");
            }
            else
            {
                runs = ReadRuns(runsEntry.Value.Key, runsEntry.Value.Value);
            }

            var outputs = map["outputs"] is { } o ? ReadOutputs(o, runs is CompositeRuns) : [];
            return runs is null ? null : new ActionMetadata { File = file, Name = name, Inputs = inputs, Outputs = outputs, Runs = runs };
        }

        private ImmutableArray<ActionInput> ReadInputs(TemplateNode node)
        {
            if (node is not TemplateMapping map)
            {
                Error(node.Span, $"'inputs' must be a mapping of input ids, found a {Kind(node)}");
                return [];
            }

            var result = ImmutableArray.CreateBuilder<ActionInput>();
            foreach (var (key, value) in map.Entries)
            {
                CheckId(key, "input");
                if (value is not TemplateMapping input)
                {
                    if (!IsNull(value))
                    {
                        Error(value.Span, $"input '{key.Value}' must be a mapping (description, required, default), found a {Kind(value)}");
                    }

                    result.Add(new ActionInput(key.Value, null, false, null, key.Span));
                    continue;
                }

                TemplateScalar? def = null;
                if (input["default"] is { } d)
                {
                    def = d as TemplateScalar;
                    if (def is null)
                    {
                        Error(d.Span, $"inputs.{key.Value}.default must be a string, found a {Kind(d)}");
                    }
                }

                var required = false;
                if (input["required"] is { } r)
                {
                    if (r is TemplateScalar rs && bool.TryParse(rs.Value, out var b))
                    {
                        required = b;
                    }
                    else
                    {
                        Error(r.Span, $"inputs.{key.Value}.required must be true or false");
                    }
                }

                var deprecation = input["deprecationMessage"] is TemplateScalar dm ? dm.Value : null;
                result.Add(new ActionInput(key.Value, def, required, deprecation, key.Span));
            }

            return result.ToImmutable();
        }

        private ImmutableArray<ActionOutput> ReadOutputs(TemplateNode node, bool composite)
        {
            if (node is not TemplateMapping map)
            {
                Error(node.Span, $"'outputs' must be a mapping of output ids, found a {Kind(node)}");
                return [];
            }

            var result = ImmutableArray.CreateBuilder<ActionOutput>();
            foreach (var (key, value) in map.Entries)
            {
                CheckId(key, "output");
                if (value is not TemplateMapping output)
                {
                    if (!IsNull(value))
                    {
                        Error(value.Span, $"output '{key.Value}' must be a mapping (description, value), found a {Kind(value)}");
                    }

                    result.Add(new ActionOutput(key.Value, null, key.Span));
                    continue;
                }

                CheckKeys(output, OutputKeys, $"outputs.{key.Value}");
                TemplateScalar? v = null;
                if (output["value"] is { } vn)
                {
                    v = vn as TemplateScalar;
                    if (v is null)
                    {
                        Error(vn.Span, $"outputs.{key.Value}.value must be a string, found a {Kind(vn)}");
                    }
                }
                else if (composite)
                {
                    Error(key.Span, $"output '{key.Value}' of a composite action needs 'value' (e.g. value: ${{{{ steps.<id>.outputs.<name> }}}})");
                }

                result.Add(new ActionOutput(key.Value, v, key.Span));
            }

            return result.ToImmutable();
        }

        private ActionRuns? ReadRuns(TemplateScalar runsKey, TemplateNode node)
        {
            if (node is not TemplateMapping runs)
            {
                Error(node.Span, $"'runs' must be a mapping with 'using', found a {Kind(node)}");
                return null;
            }

            if (runs["using"] is not TemplateScalar { Value.Length: > 0 } usingNode)
            {
                Error(runs.Span, "'runs' is missing 'using' (composite, node20, node24, …)");
                return null;
            }

            var kind = usingNode.Value.Trim().ToLowerInvariant();
            if (kind == "composite")
            {
                CheckKeys(runs, CompositeRunsKeys, "'runs' of a composite action");
                var steps = ImmutableArray<Step>.Empty;
                if (runs["steps"] is { } stepsNode)
                {
                    steps = ReadSteps(stepsNode);
                }
                else
                {
                    Error(runs.Span, "a composite action needs 'runs.steps'");
                }

                return new CompositeRuns(steps, runs.Span);
            }

            if (NodeRuntimes.Contains(kind))
            {
                CheckKeys(runs, NodeRunsKeys, $"'runs' of a {kind} action");
                var main = NonEmpty(runs, "main");
                if (main is null && runs["main"] is null)
                {
                    Error(runs.Span, $"a {kind} action needs 'runs.main' (the script node runs)");
                }

                return main is null ? null : new NodeRuns(kind, main, NonEmpty(runs, "pre"), runs["pre-if"] as TemplateScalar, NonEmpty(runs, "post"), runs["post-if"] as TemplateScalar, runs.Span);
            }

            if (kind == "docker")
            {
                CheckKeys(runs, DockerRunsKeys, "'runs' of a docker action");
                var image = NonEmpty(runs, "image");
                if (image is null && runs["image"] is null)
                {
                    Error(runs.Span, "a docker action needs 'runs.image' (Dockerfile, a path to one, or docker://IMAGE)");
                }

                return image is null ? null : new DockerRuns(image, runs.Span)
                {
                    Entrypoint = NonEmpty(runs, "entrypoint"),
                    Args = ReadArgs(runs["args"]),
                    Env = MappingOf(runs, "env"),
                    PreEntrypoint = NonEmpty(runs, "pre-entrypoint"),
                    PreIf = ScalarOf(runs, "pre-if"),
                    PostEntrypoint = NonEmpty(runs, "post-entrypoint"),
                    PostIf = ScalarOf(runs, "post-if"),
                };
            }

            Error(usingNode.Span, $"runs.using '{usingNode.Value}' is not supported; use composite, {string.Join(", ", NodeRuntimes)} or docker");
            _ = runsKey;
            return null;
        }

        /// <summary><c>runs.args</c> of a docker action: a sequence of strings (each one argument, expressions allowed).</summary>
        private ImmutableArray<TemplateScalar> ReadArgs(TemplateNode? node)
        {
            if (node is null || IsNull(node))
            {
                return [];
            }

            if (node is not TemplateSequence seq)
            {
                Error(node.Span, $"runs.args must be a sequence of strings, found a {Kind(node)}");
                return [];
            }

            var args = ImmutableArray.CreateBuilder<TemplateScalar>();
            foreach (var item in seq.Items)
            {
                if (item is TemplateScalar s)
                {
                    args.Add(s);
                }
                else
                {
                    Error(item.Span, $"each of runs.args must be a string, found a {Kind(item)}");
                }
            }

            return args.ToImmutable();
        }

        private ImmutableArray<Step> ReadSteps(TemplateNode node)
        {
            if (node is not TemplateSequence seq)
            {
                Error(node.Span, $"'runs.steps' must be a sequence of steps, found a {Kind(node)}");
                return [];
            }

            var steps = ImmutableArray.CreateBuilder<Step>();
            var ids = new Dictionary<string, SourceSpan>(StringComparer.OrdinalIgnoreCase);
            for (var index = 0; index < seq.Items.Length; index++)
            {
                if (seq.Items[index] is not TemplateMapping step)
                {
                    Error(seq.Items[index].Span, $"step {index + 1} must be a mapping with 'run' or 'uses', found a {Kind(seq.Items[index])}");
                    continue;
                }

                if (ReadStep(step, index, ids) is { } s)
                {
                    steps.Add(s);
                }
            }

            return steps.ToImmutable();
        }

        private Step? ReadStep(TemplateMapping step, int index, Dictionary<string, SourceSpan> ids)
        {
            var where = $"step {index + 1} of the composite action";
            var run = step["run"];
            var uses = step["uses"];
            if (run is not null && uses is not null)
            {
                Error(step.Span, $"{where} has both 'run' and 'uses'; a step either runs a command or uses an action");
                return null;
            }

            if (run is null && uses is null)
            {
                Error(step.Span, $"{where} has neither 'run' nor 'uses'");
                return null;
            }

            CheckKeys(step, run is not null ? RunStepKeys : UsesStepKeys, where + (run is not null ? " (a 'run' step)" : " (a 'uses' step)"));
            string? id = null;
            if (step["id"] is TemplateScalar idNode)
            {
                id = idNode.Value;
                if (!IdPattern().IsMatch(id))
                {
                    Error(idNode.Span, $"invalid step id '{id}': it must start with a letter or '_' and contain only letters, digits, '-' and '_'");
                }
                else if (ids.TryGetValue(id, out var first))
                {
                    Error(idNode.Span, $"duplicate step id '{id}' (first used at line {first.Line})");
                }
                else
                {
                    ids[id] = idNode.Span;
                }
            }

            TemplateScalar? shell = null;
            if (run is not null)
            {
                shell = step["shell"] as TemplateScalar;
                if (shell is null || shell.Value.Length == 0)
                {
                    Error(step["shell"]?.Span ?? step.Span, $"{where} runs a command but has no 'shell'; composite actions need one on every 'run' step (e.g. shell: bash)");
                }
            }

            var usesValue = uses as TemplateScalar;
            if (uses is not null && (usesValue is null || usesValue.Value.Trim().Length == 0))
            {
                Error(uses.Span, $"{where}: 'uses' must name an action ('./path' or 'owner/name@ref')");
            }

            return new Step
            {
                Id = id,
                Name = ScalarOf(step, "name"),
                If = ScalarOf(step, "if"),
                Run = run is null ? null : ScalarOf(step, "run"),
                Uses = usesValue?.Value.Trim(),
                With = MappingOf(step, "with"),
                Env = MappingOf(step, "env"),
                Shell = shell,
                WorkingDirectory = ScalarOf(step, "working-directory"),
                ContinueOnError = ScalarOf(step, "continue-on-error"),
                Index = index,
                Span = step.Span,
            };
        }

        private TemplateScalar? ScalarOf(TemplateMapping map, string key)
        {
            var node = map[key];
            if (node is null)
            {
                return null;
            }

            if (node is TemplateScalar s)
            {
                return s;
            }

            Error(node.Span, $"'{key}' must be a string, found a {Kind(node)}");
            return null;
        }

        private TemplateMapping? MappingOf(TemplateMapping map, string key)
        {
            var node = map[key];
            if (node is null || IsNull(node))
            {
                return null;
            }

            if (node is TemplateMapping m)
            {
                return m;
            }

            Error(node.Span, $"'{key}' must be a mapping, found a {Kind(node)}");
            return null;
        }

        private string? NonEmpty(TemplateMapping map, string key)
        {
            var node = map[key];
            if (node is null)
            {
                return null;
            }

            if (node is TemplateScalar { Value.Length: > 0 } s)
            {
                return s.Value;
            }

            Error(node.Span, $"runs.{key} must be a non-empty string");
            return null;
        }

        private void CheckKeys(TemplateMapping map, string[] known, string where)
        {
            foreach (var (key, _) in map.Entries)
            {
                if (!known.Contains(key.Value, StringComparer.Ordinal))
                {
                    Error(key.Span, $"unknown key '{key.Value}' in {where}{Suggestions.DidYouMean(key.Value, known)} (expected one of: {string.Join(", ", known)})");
                }
            }
        }

        private void CheckId(TemplateScalar key, string what)
        {
            if (!IdPattern().IsMatch(key.Value))
            {
                Error(key.Span, $"invalid {what} id '{key.Value}': it must start with a letter or '_' and contain only letters, digits, '-' and '_'");
            }
        }

        private static KeyValuePair<TemplateScalar, TemplateNode>? Entry(TemplateMapping map, string key)
        {
            foreach (var e in map.Entries)
            {
                if (e.Key.Value == key)
                {
                    return e;
                }
            }

            return null;
        }

        private static bool IsNull(TemplateNode node) => node is TemplateScalar { IsPlain: true } s && (s.Value.Length == 0 || s.Value is "~" or "null");

        private static string Kind(TemplateNode node) => YamlTreeReader.KindName(node);

        private void Error(SourceSpan at, string message) => diagnostics.Add(new Diagnostic(at, message));
    }
}
