using System.Collections.Immutable;
using Catalytic.Platform.Yaml;

namespace Catalytic.Delivery.Config;

// How a release replaces the one before: the strategy's names in catalytic.yml and a canary's steps.
public static partial class DeliveryConfigParser
{
    /// <summary>The default canary steps when none are configured.</summary>
    public static ImmutableArray<CanaryStep> DefaultSteps { get; } =
        [new CanaryStep(10, TimeSpan.FromSeconds(30), true), new CanaryStep(50, TimeSpan.FromSeconds(30), true)];

    /// <summary>Parses rolling | blue-green | canary.</summary>
    public static bool TryParseStrategy(string text, out StrategyKind kind)
    {
        switch (text)
        {
            case "rolling":
                kind = StrategyKind.Rolling;
                return true;
            case "blue-green" or "bluegreen":
                kind = StrategyKind.BlueGreen;
                return true;
            case "canary":
                kind = StrategyKind.Canary;
                return true;
            default:
                kind = default;
                return false;
        }
    }

    /// <summary>The name a strategy has in catalytic.yml.</summary>
    public static string StrategyName(StrategyKind kind) => kind switch
    {
        StrategyKind.BlueGreen => "blue-green",
        StrategyKind.Canary => "canary",
        _ => "rolling",
    };

    private static ImmutableArray<CanaryStep> ReadSteps(YamlReader r, YamlNode node)
    {
        var steps = ImmutableArray.CreateBuilder<CanaryStep>();
        if (node is not YamlSequence seq || seq.Items.IsEmpty)
        {
            r.Error(node, "`steps:` must be a list of {weight, pause, analysis}");
            return [];
        }

        var last = 0;
        foreach (var item in seq.Items)
        {
            if (item is not YamlMapping m)
            {
                r.Error(item, "a canary step must be a mapping with `weight:` (and optional `pause:`, `analysis:`)");
                continue;
            }

            r.CheckKeys(m, ["weight", "pause", "analysis"]);
            var weight = r.Int(m, "weight", 1, 100);
            if (weight is null && r.Get(m, "weight") is null)
            {
                r.Error(m, "a canary step needs `weight:` (1–100, percent of traffic to the new release)");
            }
            else if (weight is { } w && w <= last)
            {
                r.Error(r.Get(m, "weight"), $"canary weights must increase (this {w} follows {last})");
            }

            last = weight ?? last;
            steps.Add(new CanaryStep(weight ?? 0, r.Duration(m, "pause") ?? TimeSpan.Zero, r.Bool(m, "analysis") ?? true));
        }

        return steps.ToImmutable();
    }
}
