using System.Collections.Immutable;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace Catalytic.Pipelines.Queue;

/// <summary>
/// <c>runs-on</c> as the labels a worker must all have: a string is one label, a list all of its labels, and
/// <c>{group, labels}</c> the labels plus <c>group:NAME</c> (a worker joins a group by carrying that label). Labels are
/// compared without regard to case, as GitHub does.
/// </summary>
public static class RunsOnLabels
{
    /// <summary>
    /// The names of GitHub's hosted Linux x64 runners that the embedded worker answers to, as <c>catalytic run</c>
    /// runs them on the host: a workflow written for GitHub runs on the server unchanged.
    /// </summary>
    public static ImmutableArray<string> HostedLinuxLabels { get; } = ["ubuntu-latest", "ubuntu-24.04", "ubuntu-22.04", "ubuntu-20.04"];

    /// <summary>The labels of the embedded worker: self-hosted, the OS, the architecture, and the hosted runner names on x64 Linux.</summary>
    public static ImmutableArray<string> Embedded()
    {
        var arch = RuntimeInformation.OSArchitecture switch
        {
            Architecture.X64 => "x64",
            Architecture.Arm64 => "arm64",
            var other => other.ToString().ToLowerInvariant(),
        };
        var os = OperatingSystem.IsLinux() ? "linux" : OperatingSystem.IsMacOS() ? "macos" : "windows";
        var labels = ImmutableArray.Create("self-hosted", os, arch);
        return os == "linux" && arch == "x64" ? labels.AddRange(HostedLinuxLabels) : labels;
    }

    /// <summary>The labels an evaluated <c>runs-on</c> asks for, or why it cannot be read.</summary>
    public static (ImmutableArray<string> Labels, string? Error) From(JsonNode? runsOn)
    {
        switch (runsOn)
        {
            case null:
                return ([], null);
            case JsonValue v when v.TryGetValue<string>(out var one):
                return one.Trim().Length == 0 ? ([], "'runs-on' is empty") : ([Normalize(one)], null);
            case JsonArray list:
                return Strings(list, "runs-on");
            case JsonObject map:
                var labels = ImmutableArray<string>.Empty;
                if (map["labels"] is { } l)
                {
                    var (read, error) = l is JsonArray a ? Strings(a, "runs-on.labels") : From(l);
                    if (error is not null)
                    {
                        return ([], error);
                    }

                    labels = read;
                }

                if (map["group"] is JsonValue g && g.TryGetValue<string>(out var group) && group.Trim().Length > 0)
                {
                    labels = labels.Add("group:" + Normalize(group));
                }

                return labels.IsEmpty ? ([], "'runs-on' names neither a group nor labels") : (labels.Distinct().ToImmutableArray(), null);
            default:
                return ([], $"'runs-on' must be a label, a list of labels or {{group, labels}}; got {runsOn.ToJsonString()}");
        }
    }

    /// <summary>
    /// Whether a worker with <paramref name="workerLabels"/> may run a job asking for <paramref name="jobLabels"/>: it
    /// has them all, and the job asks for every label the worker marks mandatory with <c>!</c> (Woodpecker's rule: a
    /// worker labelled <c>!gpu</c> takes only jobs that ask for <c>gpu</c>). The one rule of the queue, for the embedded
    /// worker and remote ones alike.
    /// </summary>
    public static bool Satisfies(IEnumerable<string> workerLabels, IReadOnlyCollection<string> jobLabels)
    {
        var asked = jobLabels.Select(Normalize).ToHashSet(StringComparer.Ordinal);
        var have = new HashSet<string>(StringComparer.Ordinal);
        foreach (var label in workerLabels.Select(Normalize))
        {
            if (label is ['!', .. var mandatory])
            {
                if (!asked.Contains(mandatory))
                {
                    return false;
                }

                have.Add(mandatory);
            }
            else
            {
                have.Add(label);
            }
        }

        return asked.IsSubsetOf(have);
    }

    /// <summary>A label as compared: trimmed, lower case.</summary>
    public static string Normalize(string label) => label.Trim().ToLowerInvariant();

    private static (ImmutableArray<string>, string?) Strings(JsonArray list, string what)
    {
        var labels = ImmutableArray.CreateBuilder<string>();
        foreach (var item in list)
        {
            if (item is not JsonValue v || !v.TryGetValue<string>(out var s) || s.Trim().Length == 0)
            {
                return ([], $"'{what}' must be a list of labels; got {item?.ToJsonString() ?? "null"}");
            }

            if (!labels.Contains(Normalize(s)))
            {
                labels.Add(Normalize(s));
            }
        }

        return (labels.ToImmutable(), null);
    }
}
