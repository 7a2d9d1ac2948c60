using System.Collections.Immutable;
using System.Globalization;
using Catalytic.Platform.Config;
using Catalytic.Platform.Text;
using Catalytic.Platform.Yaml;

namespace Catalytic.Pipelines.Runs;

/// <summary>
/// How long <c>serve</c> keeps the logs of completed runs: catalytic.yml's <c>runs:</c> section.
/// <code>
/// runs:
///   keep: 500          # the logs of the newest 500 completed runs
///   keep: 30d          # or of the runs finished in the last 30 days (d or h)
///   keep: [500, 30d]   # or both: a log goes once it is beyond either
/// </code>
/// Without the section every log is kept. The runs themselves (status, jobs, times) stay: only their log lines go.
/// <see cref="RunQueueLoops"/> applies it on start and then once an hour, on the server's clock.
/// </summary>
public sealed record RunRetention(int? KeepRuns, TimeSpan? KeepFor)
{
    /// <summary>Every log kept.</summary>
    public static RunRetention None { get; } = new(null, null);

    /// <summary>Whether anything is ever pruned.</summary>
    public bool Prunes => KeepRuns is not null || KeepFor is not null;

    /// <summary>The section, as catalytic.yml's readers see it.</summary>
    public static ConfigSection<RunRetention> Section { get; } = new("runs", Read, None);

    /// <summary>What it says, for the log.</summary>
    public override string ToString() =>
        string.Join(" or ", new[]
        {
            KeepRuns is { } n ? $"beyond the newest {n} completed runs" : null,
            KeepFor is { } age ? $"older than {age.TotalHours.ToString(CultureInfo.InvariantCulture)} h" : null,
        }.OfType<string>()) is { Length: > 0 } s ? "logs of runs " + s + " are removed" : "every log is kept";

    /// <summary>Reads the <c>runs:</c> section of <paramref name="path"/>; a missing file or section keeps everything. Errors are <c>file:line:column: message</c>.</summary>
    public static (RunRetention Retention, ImmutableArray<string> Errors) Load(string path) =>
        CatalyticFile.Load(path) is { } file ? file.ReadReporting(Section) : (None, []);

    private static RunRetention Read(YamlNode section, YamlReader r)
    {
        if (section is not YamlMapping map)
        {
            r.Error(section, "`runs:` must be a mapping (keep: 500, keep: 30d or keep: [500, 30d])");
            return None;
        }

        r.CheckKeys(map, ["keep"]);
        var keep = r.Get(map, "keep");
        IEnumerable<YamlNode> values = keep switch
        {
            null => [],
            YamlSequence { Items.Length: > 0 and <= 2 } list => list.Items,
            YamlSequence list => [list],
            _ => [keep],
        };
        var retention = None;
        foreach (var value in values)
        {
            if (value is not YamlScalar { Value: var text })
            {
                r.Error(value, "`keep:` is a number of runs (500), an age (30d, 12h), or a list of one of each");
            }
            else if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var runs) && runs >= 1 && retention.KeepRuns is null)
            {
                retention = retention with { KeepRuns = runs };
            }
            else if (TryAge(text, out var age) && retention.KeepFor is null)
            {
                retention = retention with { KeepFor = age };
            }
            else
            {
                r.Error(value, $"`keep:` '{text}' must be a number of runs from 1 (500) or an age from 1h (30d, 12h), each at most once");
            }
        }

        return retention;
    }

    /// <summary>An age (<see cref="Durations"/>, a unit required: 30d, 12h, 1d12h) from an hour (the sweep runs hourly) to 100 years.</summary>
    private static bool TryAge(string text, out TimeSpan age) =>
        Durations.TryParse(text, out age, bareSeconds: false) && age >= TimeSpan.FromHours(1) && age <= TimeSpan.FromDays(36_500);
}
