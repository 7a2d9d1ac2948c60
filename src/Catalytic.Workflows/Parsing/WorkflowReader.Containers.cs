using System.Collections.Immutable;
using Catalytic.Workflows.Expressions.Templates;
using Catalytic.Workflows.Model;
using Catalytic.Workflows.Validation;

namespace Catalytic.Workflows.Parsing;

/// <summary>A job's `container:` and `services:`, and the scalar mappings (`with`, `outputs`, call-job `secrets`) they share with steps and calls.</summary>
internal sealed partial class WorkflowReader
{
    /// <summary>
    /// A mapping whose values are scalars (`with`, `outputs`, call-job `secrets`, and every `env`). <paramref name="keyScope"/>: the
    /// contexts of `${{ }}` keys where GitHub's schema gives the mapping itself contexts (a step's `with`); null where a key
    /// expression is an error. An `env` (<paramref name="isEnv"/>) names variables: a name must not be empty, and where it takes
    /// no key expressions the error says where Catalytic takes them.
    /// </summary>
    private TemplateMapping? ReadScalarMapping(TemplateNode? node, string what, ExpressionLocation scope, ExpressionLocation? keyScope = null, bool isEnv = false)
    {
        if (node is null || IsNull(node) || Mapping(node, what) is not { } map)
        {
            return null;
        }

        foreach (var (key, value) in map.Entries)
        {
            if (isEnv && key.Value.Length == 0)
            {
                Error(key.Span, $"a name in '{what}' must not be empty");
            }

            if (ContainsExpression(key))
            {
                if (isEnv && keyScope is null)
                {
                    _ = IsExpressionKey(key, $"'{what}'");
                }
                else
                {
                    // The value of an `${{ insert }}` here is typed like any other (GitHub: "A mapping was not expected").
                    _ = ExpressionKey(key, value, keyScope, what);
                }
            }

            if (value is TemplateScalar s)
            {
                Track(s, scope);
            }
            else
            {
                Error(value.Span, $"'{what}.{key.Value}' must be a string, number or boolean, found a {YamlTreeReader.KindName(value)}");
            }
        }

        return map;
    }

    private TemplateMapping? ReadServices(TemplateNode node, string what)
    {
        if (Mapping(node, what) is not { } map)
        {
            return null;
        }

        foreach (var (key, value) in map.Entries)
        {
            _ = ReadContainer(value, $"{what}.{key.Value}", WorkflowSchema.ServiceKeys);
        }

        return map;
    }

    private TemplateNode? ReadContainer(TemplateNode node, string what, IReadOnlyList<string> keys) =>
        ReadNameOrMapping(node, what, keys, "image", "an image name or a mapping with 'image'", map =>
        {
            if (map["options"] is { } opt)
            {
                _ = Scalar(opt, what + ".options", ExpressionLocation.JobStrategyContext);
            }

            foreach (var k in new[] { "entrypoint", "command" })
            {
                if (map[k] is { } v && keys.Contains(k))
                {
                    _ = Scalar(v, $"{what}.{k}", ExpressionLocation.JobStrategyContext);
                }
            }

            _ = ReadEnv(map["env"], what + ".env", ExpressionLocation.ContainerEnv);
            foreach (var k in new[] { "ports", "volumes" })
            {
                if (map[k] is { } list)
                {
                    if (list is TemplateSequence)
                    {
                        _ = StringList(list, $"{what}.{k}", ExpressionLocation.JobStrategyContext);
                    }
                    else
                    {
                        Error(list.Span, $"'{what}.{k}' must be a sequence, found {Describe(list)}");
                    }
                }
            }

            if (map["credentials"] is { } cred && Mapping(cred, what + ".credentials") is { } cm)
            {
                CheckKeys(cm, $"'{what}.credentials'", WorkflowSchema.CredentialsKeys);
                foreach (var (_, v) in cm.Entries)
                {
                    _ = NonEmpty(v, what + ".credentials", ExpressionLocation.ContainerCredentials);
                }
            }
        });

    /// <summary>
    /// A `container:`, a service or an `environment:`: a name alone, or a mapping with the name under <paramref name="nameKey"/>
    /// (required) and the other keys of <paramref name="keys"/>, which <paramref name="readRest"/> reads. A sequence is an error.
    /// </summary>
    private TemplateNode? ReadNameOrMapping(TemplateNode node, string what, IReadOnlyList<string> keys, string nameKey, string expected, Action<TemplateMapping> readRest)
    {
        switch (node)
        {
            case TemplateScalar s:
                return NonEmpty(s, what, ExpressionLocation.JobStrategyContext);
            case TemplateMapping map:
                CheckKeys(map, $"'{what}'", keys);
                if (map[nameKey] is { } name)
                {
                    _ = NonEmpty(name, $"{what}.{nameKey}", ExpressionLocation.JobStrategyContext);
                }
                else
                {
                    Error(map.Span, $"'{what}' is missing the required key '{nameKey}'");
                }

                readRest(map);
                return map;
            default:
                Error(node.Span, $"'{what}' must be {expected}, found a sequence");
                return null;
        }
    }
}
