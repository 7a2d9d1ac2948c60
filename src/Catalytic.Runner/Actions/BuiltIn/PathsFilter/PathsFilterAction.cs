using System.Text;
using System.Text.Json;

namespace Catalytic.Runner.Actions.BuiltIn.PathsFilter;

/// <summary>
/// `dorny/paths-filter` (v2, v3): `filters` (YAML inline, or a path to a YAML file), `base`, `ref`,
/// `working-directory`, `list-files` (none, csv, json, shell, escape), `predicate-quantifier` (some, every).
/// Outputs per filter `'true'`/`'false'`, `&lt;filter&gt;_count`, `&lt;filter&gt;_files` (unless list-files is none),
/// `changes` (a JSON list of the filters that matched), `any_changed`, `all_changed`. No token is used: the changes
/// come from the local git history (see <see cref="ChangeDetector"/>).
/// </summary>
public sealed class PathsFilterAction : IBuiltinAction
{
    public IReadOnlyList<string> Names { get; } = ["dorny/paths-filter"];

    public async Task<ActionResult> RunAsync(ActionContext context, CancellationToken cancellationToken)
    {
        var directory = context.Get("working-directory") is { Length: > 0 } wd ? context.ResolvePath(wd) : context.Workspace;
        var filtersInput = context.Inputs.TryGetValue("filters", out var f) ? f : string.Empty;
        if (filtersInput.Trim().Length == 0)
        {
            return ActionResult.Fail("Input required and not supplied: filters");
        }

        var listFiles = context.Get("list-files").ToLowerInvariant() is { Length: > 0 } lf ? lf : "none";
        if (listFiles is not ("none" or "csv" or "json" or "shell" or "escape"))
        {
            return ActionResult.Fail($"Input parameter 'list-files' is set to invalid value '{listFiles}'");
        }

        var quantifier = context.Get("predicate-quantifier") is { Length: > 0 } q ? q : "some";
        if (quantifier is not ("some" or "every"))
        {
            return ActionResult.Fail($"Input parameter 'predicate-quantifier' is set to invalid value '{quantifier}'. Valid values: every, some");
        }

        var yaml = filtersInput;
        if (!filtersInput.Contains('\n') && !filtersInput.Contains(':'))
        {
            var path = Path.GetFullPath(Path.Combine(directory, filtersInput.Trim()));
            if (!File.Exists(path))
            {
                return ActionResult.Fail($"Configuration file '{filtersInput.Trim()}' not found");
            }

            yaml = await File.ReadAllTextAsync(path, cancellationToken);
        }

        FilterRules rules;
        try
        {
            rules = FilterRules.Parse(yaml, quantifier == "every");
        }
        catch (FormatException ex)
        {
            return ActionResult.Fail(ex.Message);
        }

        ChangeDetector.Detection detection;
        try
        {
            detection = await ChangeDetector.DetectAsync(context, directory, context.Get("base"), context.Get("ref"), cancellationToken);
        }
        catch (InvalidOperationException ex)
        {
            return ActionResult.Fail(ex.Message);
        }

        context.Log($"Detected {detection.Files.Count} changed files ({detection.Description})");
        var changes = new List<string>();
        var anyUnchanged = false;
        foreach (var (name, files) in rules.Match(detection.Files))
        {
            var changed = files.Count > 0;
            context.Log($"Filter {name} = {(changed ? "true" : "false")}" + (changed ? ": " + string.Join(", ", files.Select(x => $"{x.Path} [{x.Status}]")) : string.Empty));
            if (changed)
            {
                changes.Add(name);
            }
            else
            {
                anyUnchanged = true;
            }

            context.SetOutput(name, changed ? "true" : "false");
            context.SetOutput(name + "_count", files.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (listFiles != "none")
            {
                context.SetOutput(name + "_files", Serialize(files.Select(x => x.Path).ToArray(), listFiles));
            }
        }

        context.SetOutput("any_changed", changes.Count > 0 ? "true" : "false");
        context.SetOutput("all_changed", changes.Count == 0 || !anyUnchanged ? "true" : "false");
        if (!rules.Names.Contains("changes"))
        {
            context.SetOutput("changes", JsonSerializer.Serialize(changes, PathsFilterJsonContext.Default.ListString));
        }
        else
        {
            context.Log("Cannot set changes output variable - name already used by filter output");
        }

        return ActionResult.Success;
    }

    internal static string Serialize(IReadOnlyList<string> files, string format) => format switch
    {
        "csv" => string.Join(',', files.Select(CsvEscape)),
        "json" => JsonSerializer.Serialize(files.ToList(), PathsFilterJsonContext.Default.ListString),
        "shell" => string.Join(' ', files.Select(ShellEscape)),
        "escape" => string.Join(' ', files.Select(BackslashEscape)),
        _ => string.Empty,
    };

    /// <summary>Quotes a field when it holds a comma, quote or line break (RFC 4180).</summary>
    internal static string CsvEscape(string value) =>
        value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;

    /// <summary>Single-quotes for a POSIX shell unless the name is made of safe characters only.</summary>
    internal static string ShellEscape(string value) =>
        value.Length > 0 && value.All(IsSafe) ? value : "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>A backslash before every character a shell would treat specially.</summary>
    internal static string BackslashEscape(string value)
    {
        var sb = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (!IsSafe(c))
            {
                sb.Append('\\');
            }

            sb.Append(c);
        }

        return sb.ToString();
    }

    private static bool IsSafe(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or '/' or '+' or ',' or ':' or '@' or '%';
}

[System.Text.Json.Serialization.JsonSerializable(typeof(List<string>))]
internal sealed partial class PathsFilterJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
