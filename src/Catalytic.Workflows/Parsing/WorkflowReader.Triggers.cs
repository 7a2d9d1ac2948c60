using System.Collections.Immutable;
using Catalytic.Workflows.Model;
using Catalytic.Workflows.Validation;

namespace Catalytic.Workflows.Parsing;

/// <summary>`on:` — a string, a sequence of event names, or a mapping of events to their filters.</summary>
internal sealed partial class WorkflowReader
{
    private (ImmutableArray<Trigger> Triggers, WorkflowCall? Call, ImmutableArray<InputDefinition> DispatchInputs) ReadOn(TemplateNode node)
    {
        var triggers = ImmutableArray.CreateBuilder<Trigger>();
        WorkflowCall? call = null;
        ImmutableArray<InputDefinition> dispatchInputs = [];
        switch (node)
        {
            case TemplateScalar s when IsNull(s) || s.Value.Length == 0:
                Error(s.Span, "'on' must name at least one event (e.g. 'on: push')");
                break;
            case TemplateScalar s:
                AddNamed(s);
                break;
            case TemplateSequence seq:
                if (seq.Items.IsEmpty)
                {
                    Error(seq.Span, "'on' must name at least one event");
                }

                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var item in seq.Items)
                {
                    if (item is not TemplateScalar e)
                    {
                        Error(item.Span, $"each item of 'on' must be an event name, found a {YamlTreeReader.KindName(item)}");
                        continue;
                    }

                    if (WorkflowSchema.Events.ContainsKey(e.Value) && !seen.Add(e.Value))
                    {
                        Error(e.Span, $"event '{e.Value}' is listed twice in 'on'");
                        continue;
                    }

                    AddNamed(e);
                }

                break;
            case TemplateMapping map:
                if (map.Entries.IsEmpty)
                {
                    Error(map.Span, "'on' must name at least one event");
                }

                foreach (var (key, value) in map.Entries)
                {
                    if (!KnownEvent(key))
                    {
                        continue;
                    }

                    switch (key.Value)
                    {
                        case "schedule":
                            triggers.Add(ReadSchedule(key, value));
                            break;
                        case "workflow_call":
                            call = ReadWorkflowCall(key, value);
                            triggers.Add(new Trigger(key.Value, key.Span));
                            break;
                        case "workflow_dispatch":
                            dispatchInputs = ReadDispatch(value);
                            triggers.Add(new Trigger(key.Value, key.Span));
                            break;
                        default:
                            triggers.Add(ReadEventFilters(key, value));
                            break;
                    }
                }

                break;
        }

        return (triggers.ToImmutable(), call, dispatchInputs);

        // An event named without filters (`on: push` or an item of `on: [push, …]`).
        void AddNamed(TemplateScalar e)
        {
            if (KnownEvent(e))
            {
                triggers.Add(new Trigger(e.Value, e.Span));
                call = e.Value == "workflow_call" ? new WorkflowCall(e.Span) : call;
            }
        }
    }

    private bool KnownEvent(TemplateScalar name)
    {
        if (WorkflowSchema.Events.ContainsKey(name.Value))
        {
            return true;
        }

        Error(name.Span, $"unknown event '{name.Value}'{Suggestions.DidYouMean(name.Value, WorkflowSchema.Events.Keys)}; see the list of events that trigger workflows");
        return false;
    }

    private Trigger ReadEventFilters(TemplateScalar key, TemplateNode value)
    {
        var trigger = new Trigger(key.Value, key.Span);
        if (IsNull(value))
        {
            return trigger;
        }

        var schema = WorkflowSchema.Events[key.Value];
        if (value is not TemplateMapping map || schema.Keys.Count == 0)
        {
            Error(value.Span, schema.Keys.Count == 0
                ? $"event '{key.Value}' takes no configuration; write '{key.Value}:' with nothing after it"
                : $"'on.{key.Value}' must be a mapping of filters ({string.Join(", ", schema.Keys)}) or empty, found {Describe(value)}");
            return trigger;
        }

        CheckKeys(map, $"'on.{key.Value}'", schema.Keys);
        ImmutableArray<string>? List(string filter) =>
            map[filter] is { } n && schema.Keys.Contains(filter) ? StringList(n, $"on.{key.Value}.{filter}") : null;

        trigger = trigger with
        {
            Branches = List("branches"),
            BranchesIgnore = List("branches-ignore"),
            Tags = List("tags"),
            TagsIgnore = List("tags-ignore"),
            Paths = List("paths"),
            PathsIgnore = List("paths-ignore"),
            Types = List("types"),
            Workflows = List("workflows"),
        };
        _ = List("names");
        _ = List("versions");

        foreach (var (include, ignore) in new[] { ("branches", "branches-ignore"), ("tags", "tags-ignore"), ("paths", "paths-ignore") })
        {
            if (map[include] is not null && Entry(map, ignore) is { } both)
            {
                Error(both.Key.Span, $"'on.{key.Value}' cannot use both '{include}' and '{ignore}'; use '{include}' with '!' patterns to exclude");
            }

            if (map[include] is { } node && List(include) is { IsEmpty: false } patterns && patterns.All(p => p.StartsWith('!')))
            {
                Error(node.Span, $"'on.{key.Value}.{include}' has only negated ('!') patterns; add a positive pattern first or use '{ignore}'");
            }
        }

        if (trigger.Types is { } types && schema.Types is { Count: > 0 } allowed && map["types"] is { } typesNode)
        {
            var items = typesNode is TemplateSequence seq ? seq.Items : [typesNode];
            foreach (var item in items.OfType<TemplateScalar>())
            {
                if (!allowed.Contains(item.Value, StringComparer.Ordinal))
                {
                    Error(item.Span, $"unknown activity type '{item.Value}' for event '{key.Value}'{Suggestions.DidYouMean(item.Value, allowed)} (expected one of: {string.Join(", ", allowed)})");
                }
            }

            _ = types;
        }

        CheckFilterPatterns(map, key.Value);
        return trigger;
    }

    private void CheckFilterPatterns(TemplateMapping map, string eventName)
    {
        foreach (var filter in new[] { "branches", "branches-ignore", "tags", "tags-ignore", "paths", "paths-ignore" })
        {
            if (map[filter] is not { } node)
            {
                continue;
            }

            var items = node is TemplateSequence seq ? seq.Items : [node];
            foreach (var item in items.OfType<TemplateScalar>())
            {
                if (Globbing.GlobPattern.TryParse(item.Value, Globbing.GlobSyntax.FilterPattern, out _, out var error) is false)
                {
                    Error(item.Span, $"invalid pattern '{item.Value}' in 'on.{eventName}.{filter}': {error}");
                }
            }
        }
    }

    private Trigger ReadSchedule(TemplateScalar key, TemplateNode value)
    {
        var crons = ImmutableArray.CreateBuilder<string>();
        if (value is not TemplateSequence seq || seq.Items.IsEmpty)
        {
            Error(value.Span, "'on.schedule' must be a sequence of '- cron: \"…\"' entries");
            return new Trigger(key.Value, key.Span) { Cron = [] };
        }

        foreach (var item in seq.Items)
        {
            if (Mapping(item, "on.schedule[]") is not { } entry)
            {
                continue;
            }

            CheckKeys(entry, "a schedule entry", WorkflowSchema.ScheduleKeys);
            if (entry["cron"] is not { } cronNode)
            {
                Error(entry.Span, "a schedule entry needs 'cron' (e.g. cron: '30 5 * * 1-5')");
                continue;
            }

            if (NonEmpty(cronNode, "cron", null) is not { } cron)
            {
                continue;
            }

            if (CronSyntax.Check(cron.Value) is { } cronError)
            {
                Error(cron.Span, $"invalid cron '{cron.Value}': {cronError}");
            }
            else
            {
                crons.Add(cron.Value);
                var minute = cron.Value.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[0];
                if (minute == "*" || (minute.StartsWith("*/", StringComparison.Ordinal) && int.TryParse(minute[2..], out var step) && step < 5))
                {
                    Warning(cron.Span, $"cron '{cron.Value}' runs more often than every 5 minutes; GitHub runs schedules at most every 5 minutes");
                }
            }

            if (entry["timezone"] is { } tz && NonEmpty(tz, "timezone", null) is { } tzs && !TimeZoneInfo.TryFindSystemTimeZoneById(tzs.Value, out _))
            {
                Error(tzs.Span, $"unknown time zone '{tzs.Value}'; expected an IANA name such as 'Europe/London'");
            }
        }

        return new Trigger(key.Value, key.Span) { Cron = crons.ToImmutable() };
    }

    private ImmutableArray<InputDefinition> ReadDispatch(TemplateNode value)
    {
        if (IsNull(value) || Mapping(value, "on.workflow_dispatch") is not { } map)
        {
            return [];
        }

        CheckKeys(map, "'on.workflow_dispatch'", WorkflowSchema.WorkflowDispatchKeys);
        return map["inputs"] is { } inputs ? ReadInputs(inputs, "on.workflow_dispatch.inputs", dispatch: true) : [];
    }

    private WorkflowCall ReadWorkflowCall(TemplateScalar key, TemplateNode value)
    {
        var call = new WorkflowCall(key.Span);
        if (IsNull(value) || Mapping(value, "on.workflow_call") is not { } map)
        {
            return call;
        }

        CheckKeys(map, "'on.workflow_call'", WorkflowSchema.WorkflowCallKeys);
        var inputs = map["inputs"] is { } i ? ReadInputs(i, "on.workflow_call.inputs", dispatch: false) : [];

        var outputs = ImmutableArray.CreateBuilder<WorkflowCallOutput>();
        if (map["outputs"] is { } o && !IsNull(o) && Mapping(o, "on.workflow_call.outputs") is { } outs)
        {
            foreach (var (name, def) in outs.Entries)
            {
                CheckId(name, "output id");
                if (Mapping(def, $"on.workflow_call.outputs.{name.Value}") is not { } d)
                {
                    continue;
                }

                CheckKeys(d, $"output '{name.Value}'", WorkflowSchema.WorkflowCallOutputKeys);
                var v = d["value"] is { } vn ? Scalar(vn, $"outputs.{name.Value}.value", ExpressionLocation.WorkflowCallOutputValue) : null;
                if (d["value"] is null)
                {
                    Error(d.Span, $"output '{name.Value}' of workflow_call is missing the required key 'value'");
                }

                if (v is not null)
                {
                    outputs.Add(new WorkflowCallOutput(name.Value, v, d["description"] is TemplateScalar ds ? ds.Value : null));
                }
            }
        }

        var secrets = ImmutableArray.CreateBuilder<WorkflowCallSecret>();
        if (map["secrets"] is { } s && !IsNull(s) && Mapping(s, "on.workflow_call.secrets") is { } secs)
        {
            foreach (var (name, def) in secs.Entries)
            {
                CheckId(name, "secret name");
                var required = false;
                string? description = null;
                if (!IsNull(def) && Mapping(def, $"on.workflow_call.secrets.{name.Value}") is { } d)
                {
                    CheckKeys(d, $"secret '{name.Value}'", WorkflowSchema.WorkflowCallSecretKeys);
                    required = d["required"] is { } r && Boolean(r, "required", null) is { } rb && ParseBool(rb);
                    description = d["description"] is TemplateScalar ds ? ds.Value : null;
                }

                secrets.Add(new WorkflowCallSecret(name.Value, required, description));
            }
        }

        return call with { Inputs = inputs, Outputs = outputs.ToImmutable(), Secrets = secrets.ToImmutable() };
    }

    private ImmutableArray<InputDefinition> ReadInputs(TemplateNode node, string what, bool dispatch)
    {
        if (IsNull(node) || Mapping(node, what) is not { } map)
        {
            return [];
        }

        var result = ImmutableArray.CreateBuilder<InputDefinition>();
        foreach (var (name, def) in map.Entries)
        {
            CheckId(name, "input id");
            if (Mapping(def, $"{what}.{name.Value}") is not { } d)
            {
                continue;
            }

            CheckKeys(d, $"input '{name.Value}'", dispatch ? WorkflowSchema.WorkflowDispatchInputKeys : WorkflowSchema.WorkflowCallInputKeys);
            var type = InputType.String;
            var allowedTypes = dispatch ? new[] { "string", "boolean", "number", "choice", "environment" } : ["string", "boolean", "number"];
            if (d["type"] is { } t && Scalar(t, "type", null) is { } ts)
            {
                if (!allowedTypes.Contains(ts.Value, StringComparer.Ordinal))
                {
                    Error(ts.Span, $"unknown input type '{ts.Value}'{Suggestions.DidYouMean(ts.Value, allowedTypes)} (expected one of: {string.Join(", ", allowedTypes)})");
                }
                else
                {
                    type = Enum.Parse<InputType>(ts.Value, ignoreCase: true);
                }
            }
            else if (!dispatch && d["type"] is null)
            {
                Error(d.Span, $"input '{name.Value}' of workflow_call is missing the required key 'type' (boolean, number or string)");
            }

            var required = d["required"] is { } r && Boolean(r, "required", null) is { } rb && ParseBool(rb);
            var description = d["description"] is { } desc ? Scalar(desc, "description", null)?.Value : null;
            var options = d["options"] is { } o ? StringList(o, $"input '{name.Value}' options") ?? [] : ImmutableArray<string>.Empty;
            TemplateScalar? dflt = null;
            if (d["default"] is { } dn)
            {
                dflt = Scalar(dn, "default", dispatch ? null : ExpressionLocation.WorkflowCallInputDefault);
            }

            if (dflt is not null && !(ContainsExpression(dflt) && !dispatch))
            {
                switch (type)
                {
                    case InputType.Boolean when !IsBoolean(dflt):
                        Error(dflt.Span, $"default of boolean input '{name.Value}' must be true or false, found '{dflt.Value}'");
                        break;
                    case InputType.Number when !IsNumber(dflt):
                        Error(dflt.Span, $"default of number input '{name.Value}' must be a number, found '{dflt.Value}'");
                        break;
                    case InputType.Choice when !options.Contains(dflt.Value):
                        Error(dflt.Span, $"default '{dflt.Value}' of choice input '{name.Value}' is not one of its options ({string.Join(", ", options)})");
                        break;
                }
            }

            if (type == InputType.Choice && options.IsEmpty)
            {
                Error(d.Span, $"choice input '{name.Value}' needs a non-empty 'options' list");
            }
            else if (type != InputType.Choice && d["options"] is { } on)
            {
                Error(on.Span, $"'options' is only valid for inputs of type choice; input '{name.Value}' is {TypeName(type)}");
            }

            result.Add(new InputDefinition(name.Value, type, name.Span) { Description = description, Required = required, Default = dflt, Options = options });
        }

        return result.ToImmutable();

        static string TypeName(InputType t) => t.ToString().ToLowerInvariant();
    }

    private void CheckId(TemplateScalar name, string what)
    {
        if (!IdentifierPattern().IsMatch(name.Value))
        {
            Error(name.Span, $"invalid {what} '{name.Value}': it must start with a letter or '_' and contain only letters, digits, '-' and '_'");
        }
    }

    private static bool ParseBool(TemplateScalar s) => s.Value.Equals("true", StringComparison.OrdinalIgnoreCase);
}
