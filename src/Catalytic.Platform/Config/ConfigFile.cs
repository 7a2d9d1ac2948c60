using System.Collections.Immutable;
using Catalytic.Platform.Text;
using Catalytic.Platform.Yaml;

namespace Catalytic.Platform.Config;

/// <summary>
/// One top-level section of a <see cref="ConfigFile"/>: its key, how its feature reads the section's node into the
/// feature's own immutable config (recording problems on the reader), and the config when the file has no such section.
/// </summary>
/// <typeparam name="T">The feature's config.</typeparam>
public sealed record ConfigSection<T>(string Key, Func<YamlNode, YamlReader, T> Read, T Absent);

/// <summary>A section read from a file: its config, and the problems found in it (the config is not to be used then).</summary>
public sealed record SectionResult<T>(T Value, ImmutableArray<YamlError> Errors)
{
    /// <summary>True when the section had no problem.</summary>
    public bool Ok => Errors.IsEmpty;
}

/// <summary>
/// A configuration file whose top level is a mapping of independent sections, each owned by one feature
/// (catalytic.yml: <c>apps:</c> for delivery, <c>actions:</c> for <c>run</c>, …). The file is read once; each feature
/// then reads its own section with <see cref="Read{T}"/>. The file itself checks only its top level: YAML errors,
/// a root that is not a mapping, and keys that are no registered section (with a "did you mean"). A file with no
/// sections at all — empty, only comments, <c>~</c> or <c>{}</c> — is valid and configures nothing: every feature reads
/// its section as absent.
/// </summary>
public sealed class ConfigFile
{
    private ConfigFile(YamlDocument document, ImmutableArray<string> sections, YamlMapping? root, ImmutableArray<YamlError> errors)
    {
        Document = document;
        Sections = sections;
        Root = root;
        Errors = errors;
    }

    /// <summary>The file, as it should appear in messages.</summary>
    public string File => Document.File;

    /// <summary>The YAML as read.</summary>
    public YamlDocument Document { get; }

    /// <summary>The registered top-level keys, each a feature's section.</summary>
    public ImmutableArray<string> Sections { get; }

    /// <summary>The top-level mapping; null when the file is empty or is not a mapping.</summary>
    public YamlMapping? Root { get; }

    /// <summary>The file's own problems (YAML errors, a root that is not a mapping, unknown top-level keys); not those of sections.</summary>
    public ImmutableArray<YamlError> Errors { get; }

    /// <summary>True when the file configures nothing (see the class summary).</summary>
    public bool IsEmpty => Errors.IsEmpty && (Root is null || Root.Entries.IsEmpty);

    /// <summary>Reads <paramref name="text"/>, whose top-level keys must be among <paramref name="sections"/>.</summary>
    public static ConfigFile Parse(string file, string text, IEnumerable<string> sections, YamlReadOptions? options = null)
    {
        var keys = sections.ToImmutableArray();
        var document = YamlDocument.Parse(file, text, options);
        var errors = document.Errors.ToBuilder();
        YamlMapping? root = null;
        switch (document.Root)
        {
            case null or YamlScalar { IsNull: true }:
                break;
            case YamlMapping map:
                root = map;
                foreach (var (key, _) in map.Entries)
                {
                    if (!keys.Contains(key.Value, StringComparer.Ordinal))
                    {
                        errors.Add(new YamlError(key.Start, $"unknown key '{key.Value}' (expected one of: {string.Join(", ", keys)}){Suggestions.DidYouMean(key.Value, keys)}"));
                    }
                }

                break;
            case var other:
                errors.Add(new YamlError(other.Start, $"expected a mapping of top-level sections ({string.Join(", ", keys)}), found a {other.KindName}"));
                break;
        }

        return new ConfigFile(document, keys, root, errors.ToImmutable());
    }

    /// <summary>The node of section <paramref name="key"/>, or null when the file has none.</summary>
    public YamlNode? this[string key] => Root?[key];

    /// <summary>
    /// Reads <paramref name="section"/> with its feature's reader: <see cref="ConfigSection{T}.Absent"/> when the file
    /// has no such section (or no usable tree), else what the reader made of it, with the problems it recorded.
    /// </summary>
    /// <exception cref="ArgumentException">The section's key is not registered for this file (a programming error).</exception>
    public SectionResult<T> Read<T>(ConfigSection<T> section)
    {
        if (!Sections.Contains(section.Key, StringComparer.Ordinal))
        {
            throw new ArgumentException($"'{section.Key}' is not a registered section of {File} ({string.Join(", ", Sections)})", nameof(section));
        }

        if (this[section.Key] is not { } node)
        {
            return new SectionResult<T>(section.Absent, []);
        }

        var reader = new YamlReader();
        var value = section.Read(node, reader);
        return new SectionResult<T>(value, [.. reader.Errors]);
    }

    /// <summary>
    /// Reads <paramref name="section"/> for a feature that reports only its own section's problems, each as
    /// <c>file:line:column: message</c>: its config, or <see cref="ConfigSection{T}.Absent"/> with the problems. A file
    /// whose YAML is broken gives the absent config and no problem here: whoever reads the file itself reports those
    /// (delivery's reader, in <c>serve</c>), so they are said once.
    /// </summary>
    public (T Value, ImmutableArray<string> Errors) ReadReporting<T>(ConfigSection<T> section)
    {
        if (Document.Errors.Length > 0)
        {
            return (section.Absent, []);
        }

        var result = Read(section);
        return result.Ok
            ? (result.Value, [])
            : (section.Absent, [.. result.Errors.Select(e => $"{File}:{e.At.Line}:{e.At.Column}: {e.Message}")]);
    }
}
