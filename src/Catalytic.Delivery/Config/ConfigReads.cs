using Catalytic.Platform.Text;
using Catalytic.Platform.Yaml;

namespace Catalytic.Delivery.Config;

/// <summary>Typed reads of catalytic.yml's own units (durations, percentages) on the shared YAML layer.</summary>
internal static class ConfigReads
{
    /// <summary>A duration such as 500ms, 1s, 2m or 1h (see <see cref="Durations"/>: also 1m30s, 1.5s, 90d, or a bare number of seconds); strictly positive when <paramref name="positive"/>.</summary>
    public static TimeSpan? Duration(this YamlReader r, YamlMapping map, string key, bool positive = false) =>
        r.Parse(map, key, (string s, out TimeSpan t) => Durations.TryParse(s, out t) && (!positive || t > TimeSpan.Zero),
            $"a {(positive ? "positive " : "")}duration such as 500ms, 1s, 2m or 1h");

    /// <summary>A percentage such as 2% or 0.5% (see <see cref="Units.TryParsePercent"/>).</summary>
    public static double? Percent(this YamlReader r, YamlMapping map, string key) =>
        r.Parse<double>(map, key, Units.TryParsePercent, "a percentage such as 2% or 0.5%");
}
