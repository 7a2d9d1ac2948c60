using System.Collections.Immutable;
using Catalytic.Platform.Yaml;

namespace Catalytic.Delivery.Config;

// The keys an app and each of its environments share: how many instances, which strategy, the gate (who approves is
// in .Approval), the process's variables and secrets, and the timings. The checks a release must pass (health, smoke, analysis) are in .Checks,
// the strategy's names and canary steps in .Strategy.
public static partial class DeliveryConfigParser
{
    /// <summary>Keys allowed at both app and environment level; the environment's value wins.</summary>
    private static EnvironmentConfig ApplyCommon(YamlReader r, EnvironmentConfig c, YamlMapping map)
    {
        if (r.Int(map, "instances", 1, 1000) is { } instances)
        {
            c = c with { Instances = instances };
        }

        if (r.Get(map, "strategy") is { } sNode && r.String(map, "strategy") is { } s)
        {
            if (TryParseStrategy(s, out var kind))
            {
                c = c with { Strategy = kind };
            }
            else
            {
                r.Error(sNode, $"`strategy:` '{s}' must be rolling, blue-green or canary");
            }
        }

        if (r.Get(map, "approval") is YamlMapping approvalMap)
        {
            c = ReadApproval(r, approvalMap, c);
        }
        else if (r.Get(map, "approval") is { } aNode && r.String(map, "approval") is { } a)
        {
            switch (a)
            {
                case "required" or "true":
                    c = c with { ApprovalRequired = true };
                    break;
                case "none" or "false":
                    c = c with { ApprovalRequired = false };
                    break;
                default:
                    r.Error(aNode, $"`approval:` '{a}' must be required or none (or a mapping naming users, roles, prevent-self-review)");
                    break;
            }
        }

        if (r.Map(map, "env") is { } envMap)
        {
            c = c with { Env = ReadEnv(r, envMap, c.Env) };
        }

        if (r.Map(map, "secrets") is { } secMap)
        {
            c = c with { Secrets = ReadSecrets(r, secMap, c.Secrets) };
        }

        if (r.Get(map, "pre-deploy") is not null)
        {
            c = c with { PreDeploy = r.String(map, "pre-deploy") };
        }

        if (r.Get(map, "sticky-cookie") is not null)
        {
            c = c with { StickyCookie = r.String(map, "sticky-cookie") };
        }

        c = c with
        {
            Edge = ReadEdge(r, c.Edge, map),
            ScaleDownDelay = r.Duration(map, "scale-down-delay") ?? c.ScaleDownDelay,
            Drain = r.Duration(map, "drain") ?? c.Drain,
            StopTimeout = r.Duration(map, "stop-timeout") ?? c.StopTimeout,
        };

        return ApplyChecks(r, c, map);
    }

    /// <summary><c>env:</c>, variables set for each instance's process, added to (and overriding) the app's.</summary>
    private static ImmutableSortedDictionary<string, string> ReadEnv(YamlReader r, YamlMapping envMap, ImmutableSortedDictionary<string, string> inherited)
    {
        var b = inherited.ToBuilder();
        foreach (var (k, v) in envMap.Entries)
        {
            var key = k.Value;
            if (!EnvNameRegex().IsMatch(key))
            {
                r.Error(k, $"environment variable name '{key}' must match [A-Za-z_][A-Za-z0-9_]*");
            }

            if (v is YamlScalar sv)
            {
                b[key] = sv.Value;
            }
            else
            {
                r.Error(v, $"`env.{key}` must be a string");
            }
        }

        return b.ToImmutable();
    }

    /// <summary><c>secrets:</c>, variable name to the name of a stored secret (never the value itself).</summary>
    private static ImmutableSortedDictionary<string, string> ReadSecrets(YamlReader r, YamlMapping secMap, ImmutableSortedDictionary<string, string> inherited)
    {
        var b = inherited.ToBuilder();
        foreach (var (k, v) in secMap.Entries)
        {
            var key = k.Value;
            if (!EnvNameRegex().IsMatch(key))
            {
                r.Error(k, $"secret variable name '{key}' must match [A-Za-z_][A-Za-z0-9_]*");
            }

            if (v is YamlScalar { Value: { Length: > 0 } secretName } && SecretNameRegex().IsMatch(secretName))
            {
                b[key] = secretName;
            }
            else
            {
                r.Error(v, $"`secrets.{key}` must name a secret (letters, digits, '_', '-', '.')");
            }
        }

        return b.ToImmutable();
    }
}
