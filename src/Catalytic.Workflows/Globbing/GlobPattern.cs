using System.Text.RegularExpressions;

namespace Catalytic.Workflows.Globbing;

/// <summary>
/// Which of GitHub's two glob dialects a pattern is written in. They disagree on `?` (a quantifier in one, a
/// character in the other), braces, negated classes and whether a malformed pattern is an error, so a pattern always
/// says which one it is.
/// </summary>
public enum GlobSyntax
{
    /// <summary>
    /// `on:` filters (branches, tags, paths, workflows; environment rules): GitHub's filter pattern cheat sheet
    /// (<see cref="FilterPatternSyntax"/>). One leading `!` negates; an empty or malformed pattern is an error.
    /// </summary>
    FilterPattern,

    /// <summary>
    /// File paths of actions (upload/download-artifact, cache, hashFiles, dorny/paths-filter): picomatch with
    /// `dot: true` (<see cref="PathGlobSyntax"/>). An odd number of leading `!` negates; a leading `./` is ignored on
    /// both the pattern and the path.
    /// </summary>
    PathGlob,
}

/// <summary>
/// One glob, compiled once to a regex: case-sensitive, whole-string. <see cref="IsMatch"/> tests the body (the pattern
/// without its `!`); what a negation means is the caller's rule (the last matching pattern decides in
/// <see cref="GlobFilter"/> and in @actions/glob's line lists, "matches everything the body does not" for one pattern,
/// <see cref="Selects"/>).
/// </summary>
public sealed class GlobPattern
{
    private GlobPattern()
    {
    }

    /// <summary>The pattern as written, including a leading `!`.</summary>
    public required string Text { get; init; }

    /// <summary>The dialect the pattern was read in.</summary>
    public required GlobSyntax Syntax { get; init; }

    /// <summary>True when the pattern is negated by its leading `!`.</summary>
    public required bool IsNegated { get; init; }

    // Set with the others by TryParse, the only caller of the private constructor.
    private Regex Body { get; init; } = null!;

    /// <summary>Whether <paramref name="value"/> (forward slashes) matches the pattern's body; negation is not applied.</summary>
    public bool IsMatch(string value) =>
        Body.IsMatch(Syntax == GlobSyntax.PathGlob && value.StartsWith("./", StringComparison.Ordinal) ? value[2..] : value);

    /// <summary>Whether <paramref name="value"/> is selected by this one pattern: a negated pattern selects what its body does not match.</summary>
    public bool Selects(string value) => IsMatch(value) != IsNegated;

    /// <summary>True when a path glob's text contains a character that makes it a glob rather than a literal path.</summary>
    public static bool HasMagic(string text) => PathGlobSyntax.HasMagic(text);

    /// <summary>Parses <paramref name="pattern"/>; throws <see cref="FormatException"/> with the reason when malformed.</summary>
    public static GlobPattern Parse(string pattern, GlobSyntax syntax) =>
        TryParse(pattern, syntax, out var result, out var error) ? result! : throw new FormatException($"invalid pattern '{pattern}': {error}");

    /// <summary>Parses <paramref name="pattern"/>; on failure returns false and a reason in <paramref name="error"/>.</summary>
    public static bool TryParse(string pattern, GlobSyntax syntax, out GlobPattern? result, out string? error)
    {
        result = null;
        var body = pattern;
        var negated = false;
        string? regex;
        if (syntax == GlobSyntax.FilterPattern)
        {
            negated = body.StartsWith('!');
            body = negated ? body[1..] : body;
            regex = FilterPatternSyntax.ToRegex(body, out error);
        }
        else
        {
            while (body.StartsWith('!'))
            {
                negated = !negated;
                body = body[1..];
            }

            regex = PathGlobSyntax.ToRegex(body);
            error = null;
        }

        if (regex is null)
        {
            return false;
        }

        try
        {
            result = new GlobPattern { Text = pattern, Syntax = syntax, IsNegated = negated, Body = new Regex(regex, RegexOptions.CultureInvariant | RegexOptions.Singleline) };
            return true;
        }
        catch (ArgumentException e)
        {
            // A path glob's class is copied into the regex as written, so `[z-a]` reaches the regex parser.
            error = e.Message;
            return false;
        }
    }

    public override string ToString() => Text;
}
