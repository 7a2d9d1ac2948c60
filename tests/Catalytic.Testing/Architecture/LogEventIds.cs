using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;

namespace Catalytic.Testing.Architecture;

/// <summary>
/// The event ids of an assembly's source-generated log lines (<c>[LoggerMessage]</c> methods), found by reflection,
/// and the ranges docs/architecture.md gives each project, for the test that keeps ids unique across the product and
/// each project's inside its own range. Matched by the attribute's name, so this library needs no logging reference.
/// </summary>
public static partial class LogEventIds
{
    private const string Attribute = "Microsoft.Extensions.Logging.LoggerMessageAttribute";

    /// <summary>One <c>[LoggerMessage]</c> method: "Type.Method" and its event id (null when the attribute names none).</summary>
    public sealed record Line(string Method, int? EventId);

    /// <summary>A project's documented range of event ids, both ends included.</summary>
    public sealed record Range(string Project, int First, int Last)
    {
        /// <summary>Whether <paramref name="id"/> is inside the range.</summary>
        public bool Holds(int id) => id >= First && id <= Last;
    }

    /// <summary>Every <c>[LoggerMessage]</c> method of <paramref name="assembly"/> with its event id.</summary>
    public static IReadOnlyList<Line> Of(Assembly assembly) =>
        [.. assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .SelectMany(m => m.GetCustomAttributesData()
                .Where(a => a.AttributeType.FullName == Attribute)
                .Select(a => new Line($"{m.DeclaringType!.FullName}.{m.Name}", EventIdOf(a))))];

    /// <summary>
    /// The ranges named in <paramref name="markdown"/>'s row "a log line and its event id", each written
    /// <c>`Catalytic.X` N–M</c>; a row missing is an error rather than no ranges.
    /// </summary>
    public static IReadOnlyList<Range> DocumentedRanges(string markdown)
    {
        var row = markdown.Split('\n').FirstOrDefault(l => l.StartsWith("| a log line and its event id |", StringComparison.Ordinal))
            ?? throw new InvalidOperationException("docs/architecture.md has no row \"a log line and its event id\"");
        return [.. RangePattern().Matches(row).Select(m => new Range(
            m.Groups[1].Value,
            int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture),
            int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture)))];
    }

    /// <summary>The event id of a <c>[LoggerMessage]</c>: the constructor's <c>eventId</c> or the named <c>EventId</c>.</summary>
    private static int? EventIdOf(CustomAttributeData attribute)
    {
        var parameters = attribute.Constructor.GetParameters();
        for (var i = 0; i < parameters.Length; i++)
        {
            if (parameters[i].Name == "eventId" && attribute.ConstructorArguments[i].Value is int positional)
            {
                return positional;
            }
        }

        return attribute.NamedArguments.FirstOrDefault(n => n.MemberName == "EventId").TypedValue.Value as int?;
    }

    [GeneratedRegex(@"`(Catalytic\.\w+)` (\d+)–(\d+)")]
    private static partial Regex RangePattern();
}
