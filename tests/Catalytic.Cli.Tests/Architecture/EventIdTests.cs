using System.Reflection;
using Catalytic.Testing.Architecture;

namespace Catalytic.Cli.Tests.Architecture;

/// <summary>
/// Log event ids identify a line for whoever filters or alerts on them: every <c>[LoggerMessage]</c> of the product
/// has one, no two share it, and each project's sit in the range docs/architecture.md gives it (the row "a log line
/// and its event id"). This project sees every product assembly, since the CLI references them all.
/// </summary>
public sealed class EventIdTests
{
    private static string Root => SourceRules.RepositoryRoot;

    private static IReadOnlyList<LogEventIds.Range> Ranges =>
        LogEventIds.DocumentedRanges(File.ReadAllText(Path.Combine(Root, "docs", "architecture.md")));

    /// <summary>Every product project (the folders of src/) with its [LoggerMessage] lines.</summary>
    private static IReadOnlyList<(string Project, IReadOnlyList<LogEventIds.Line> Lines)> Product =>
        [.. Directory.GetDirectories(Path.Combine(Root, "src")).Select(Path.GetFileName).OfType<string>()
            .Where(n => n.StartsWith("Catalytic.", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(p => (p, LogEventIds.Of(Assembly.Load(new AssemblyName(AssemblyOf(p))))))];

    /// <summary>The assembly a project builds: its csproj's AssemblyName (the CLI's is `catalytic`), else the project's name.</summary>
    private static string AssemblyOf(string project) =>
        System.Text.RegularExpressions.Regex.Match(File.ReadAllText(Path.Combine(Root, "src", project, project + ".csproj")), "<AssemblyName>([^<]+)</AssemblyName>") is { Success: true } m
            ? m.Groups[1].Value
            : project;

    [Fact]
    public void EveryLogLine_HasAnEventId_UniqueAcrossTheProduct()
    {
        var lines = Product.SelectMany(p => p.Lines).ToList();
        Assert.True(lines.Count >= 60, $"only {lines.Count} [LoggerMessage] methods found: the scan is broken");
        var without = lines.Where(l => l.EventId is null).Select(l => l.Method).ToList();
        Assert.True(without.Count == 0, "[LoggerMessage] without an event id: " + string.Join(", ", without));
        var shared = lines.GroupBy(l => l.EventId).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(l => l.Method))}").ToList();
        Assert.True(shared.Count == 0, "event ids used more than once: " + string.Join("; ", shared));
    }

    [Fact]
    public void EachProjectsEventIds_SitInItsDocumentedRange()
    {
        var ranges = Ranges;
        var outside = new List<string>();
        foreach (var (project, lines) in Product.Where(p => p.Lines.Count > 0))
        {
            var range = ranges.SingleOrDefault(r => r.Project == project);
            if (range is null)
            {
                outside.Add($"{project} logs ({lines.Count} lines) but docs/architecture.md gives it no range");
                continue;
            }

            outside.AddRange(lines.Where(l => l.EventId is int id && !range.Holds(id))
                .Select(l => $"{l.Method} = {l.EventId}, outside {project}'s {range.First}–{range.Last}"));
        }

        Assert.True(outside.Count == 0, string.Join("; ", outside));
    }

    [Fact]
    public void DocumentedRanges_DoNotOverlap_AndNameRealProjects()
    {
        var ranges = Ranges;
        Assert.True(ranges.Count >= 8, "docs/architecture.md's event-id row should name a range per logging project: " + string.Join(", ", ranges));
        var projects = Product.Select(p => p.Project).ToHashSet(StringComparer.Ordinal);
        Assert.DoesNotContain(ranges, r => !projects.Contains(r.Project) || r.First > r.Last);
        var overlapping = ranges.SelectMany((a, i) => ranges.Skip(i + 1).Where(b => a.First <= b.Last && b.First <= a.Last).Select(b => $"{a.Project} and {b.Project}")).ToList();
        Assert.True(overlapping.Count == 0, "overlapping ranges: " + string.Join(", ", overlapping));
    }

    [Fact]
    public void DocumentedRanges_ReadsEachProjectAndItsRange() =>
        Assert.Equal(
            [new LogEventIds.Range("Catalytic.Delivery", 1000, 1999), new LogEventIds.Range("Catalytic.Server", 2000, 2999)],
            LogEventIds.DocumentedRanges("intro\n| a log line and its event id | `Catalytic.Delivery` 1000–1999 (`X.cs`), `Catalytic.Server` 2000–2999 (the auth lines 2100–2199) |\n"));
}
