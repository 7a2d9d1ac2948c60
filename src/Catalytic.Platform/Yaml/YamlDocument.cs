using System.Collections.Immutable;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Catalytic.Platform.Yaml;

/// <summary>One problem of a YAML file, with where it is.</summary>
/// <param name="At">The position.</param>
/// <param name="Message">What is wrong, without the position.</param>
/// <param name="IsSyntax">
/// True when the text is not YAML at all (the scanner or parser stopped there, or the reader refused to go on: an alias
/// to nothing, nesting or aliases past the limits); the document then has no tree. False for a structural problem in
/// otherwise good YAML (a duplicate key, a key that is not a scalar, a second document), reported next to a usable tree.
/// </param>
public sealed record YamlError(YamlMark At, string Message, bool IsSyntax = false)
{
    /// <inheritdoc/>
    public override string ToString() => $"{At}: {Message}";
}

/// <summary>How a file kind wants its YAML read.</summary>
public sealed record YamlReadOptions
{
    /// <summary>Ordinal keys: catalytic.yml, paths-filter rules.</summary>
    public static YamlReadOptions Default { get; } = new();

    /// <summary>
    /// Keys compared ignoring case, as GitHub reads workflow and action files (<c>'X' is already defined</c>): a second
    /// <c>Runs-On</c> next to <c>runs-on</c> is a duplicate.
    /// </summary>
    public bool IgnoreKeyCase { get; init; }

    /// <summary>
    /// The deepest nesting of sequences and mappings read (default 100). Every reader of the tree walks it recursively;
    /// the bound keeps that walk's stack small whatever the file holds, and no real configuration comes near it.
    /// </summary>
    public int MaxDepth { get; init; } = 100;

    /// <summary>
    /// The most nodes the tree may hold with every alias expanded (default 1,000,000). An alias shares its node, so a
    /// few lines of anchors can stand for billions of nodes ("billion laughs") that any walk of the tree would visit;
    /// a real file has thousands.
    /// </summary>
    public long MaxNodes { get; init; } = 1_000_000;
}

/// <summary>
/// A YAML file read into <see cref="YamlNode"/>s with the position of every node, and every problem found. Reading never
/// throws on any input: whatever YamlDotNet's scanner or parser throws (a <see cref="YamlException"/>, or the
/// <see cref="InvalidOperationException"/> it throws on some malformed flow collections) becomes an error at the
/// position it stopped. Built on YamlDotNet's event parser rather than its representation model, which stops at the
/// first duplicate key and throws on keys that are not scalars; a person gets every problem of a file at once.
/// </summary>
public sealed class YamlDocument
{
    private YamlDocument(string file, YamlNode? root, ImmutableArray<YamlError> errors)
    {
        File = file;
        Root = root;
        Errors = errors;
    }

    /// <summary>The file, as it should appear in messages.</summary>
    public string File { get; }

    /// <summary>
    /// The document's root: null when the text holds no document (empty, or only comments) or is not YAML (see
    /// <see cref="YamlError.IsSyntax"/>). A document of only <c>---</c> or <c>~</c> is a null scalar.
    /// </summary>
    public YamlNode? Root { get; }

    /// <summary>Every problem, in the order found.</summary>
    public ImmutableArray<YamlError> Errors { get; }

    /// <summary>True when the text is not YAML (the tree is then absent).</summary>
    public bool HasSyntaxError => Errors.Any(e => e.IsSyntax);

    /// <summary>True when the file holds nothing: no document, or a document that is YAML's null.</summary>
    public bool IsEmpty => Errors.IsEmpty && Root is null or YamlScalar { IsNull: true };

    /// <summary>Reads <paramref name="text"/>; <paramref name="file"/> names it in messages.</summary>
    public static YamlDocument Parse(string file, string text, YamlReadOptions? options = null)
    {
        var reader = new EventReader(options ?? YamlReadOptions.Default);
        var root = reader.Read(text);
        return new YamlDocument(file, root, [.. reader.Errors]);
    }

    /// <summary>Walks YamlDotNet's events with an explicit stack (no recursion, so no input can overflow the stack).</summary>
    private sealed class EventReader(YamlReadOptions options)
    {
        private readonly Dictionary<string, YamlNode> _anchors = new(StringComparer.Ordinal);
        private readonly Stack<Frame> _open = new();

        public List<YamlError> Errors { get; } = [];

        public YamlNode? Read(string text)
        {
            var scanner = new Scanner(new StringReader(text), skipComments: true);
            var parser = new Parser(scanner);
            try
            {
                return ReadStream(parser);
            }
            catch (StopReading)
            {
                return null;
            }
            catch (YamlException e)
            {
                Errors.Add(new YamlError(Mark(e.Start), Describe(e), IsSyntax: true));
                return null;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // YamlDotNet's own defects on malformed text (issue 15: ScanPlainScalar's InvalidOperationException on
                // an unclosed flow collection followed by a plain scalar; ArgumentException for a malformed tag): at the
                // token being parsed, or where the scanner stopped when it failed between tokens.
                var at = scanner.Current?.Start ?? scanner.CurrentPosition;
                Errors.Add(new YamlError(Mark(at), $"the YAML cannot be read from here (its parser failed: {e.Message})", IsSyntax: true));
                return null;
            }
        }

        private YamlNode? ReadStream(Parser parser)
        {
            parser.Consume<StreamStart>();
            if (parser.TryConsume<StreamEnd>(out _))
            {
                return null;
            }

            parser.Consume<DocumentStart>();
            YamlNode? root = null;
            while (root is null)
            {
                var ev = parser.Current ?? throw new YamlException("unexpected end of input");
                parser.MoveNext();
                root = ev switch
                {
                    Scalar s => Complete(Remember(s.Anchor, new YamlScalar(s.Value, s.Style == ScalarStyle.Plain, Mark(s.Start)))),
                    AnchorAlias a => Complete(Alias(a)),
                    SequenceStart s => Open(new Frame(s.Anchor, Mark(s.Start), isMapping: false, options.IgnoreKeyCase)),
                    MappingStart m => Open(new Frame(m.Anchor, Mark(m.Start), isMapping: true, options.IgnoreKeyCase)),
                    SequenceEnd or MappingEnd => Complete(Close()),
                    _ => throw new YamlException(ev.Start, ev.End, "unexpected " + ev.GetType().Name),
                };
            }

            parser.Consume<DocumentEnd>();
            if (parser.Current is DocumentStart extra)
            {
                Errors.Add(new YamlError(Mark(extra.Start), "exactly one YAML document is expected; found a second one"));
            }

            return root;
        }

        /// <summary>Adds a finished node to the collection being read; returns it when it is the root.</summary>
        private YamlNode? Complete(YamlNode node)
        {
            if (node.Size > options.MaxNodes)
            {
                Fatal(node.Start, $"aliases expand the document past {options.MaxNodes:N0} nodes; an alias may stand for a large part of the file, not multiply it");
            }

            if (!_open.TryPeek(out var parent))
            {
                return node;
            }

            if (parent.Add(node) is { } error)
            {
                Errors.Add(error);
            }

            return null;
        }

        private YamlNode? Open(Frame frame)
        {
            if (_open.Count >= options.MaxDepth)
            {
                Fatal(frame.Start, $"the document nests deeper than {options.MaxDepth} levels");
            }

            _open.Push(frame);
            return null;
        }

        private YamlNode Close()
        {
            var frame = _open.Pop();
            if (frame.DanglingKey is { } key)
            {
                // YamlDotNet ends some malformed mappings after a key (" : t" loses its "t"): say so rather than drop it.
                Errors.Add(new YamlError(key.Start, "this mapping entry cannot be read: its key has no value"));
            }

            return Remember(frame.Anchor, frame.Build());
        }

        private YamlNode Alias(AnchorAlias alias)
        {
            if (_anchors.TryGetValue(alias.Value.Value, out var target))
            {
                return target;
            }

            Fatal(Mark(alias.Start), $"alias '*{alias.Value.Value}' names no anchor defined before it");
            return null!;
        }

        private YamlNode Remember(AnchorName anchor, YamlNode node)
        {
            if (!anchor.IsEmpty)
            {
                // A later anchor of the same name replaces the earlier one for the aliases after it (YAML 1.2 §3.2.2.2).
                _anchors[anchor.Value] = node;
            }

            return node;
        }

        private void Fatal(YamlMark at, string message)
        {
            Errors.Add(new YamlError(at, message, IsSyntax: true));
            throw new StopReading();
        }
    }

    /// <summary>A sequence or mapping being read.</summary>
    private sealed class Frame(AnchorName anchor, YamlMark start, bool isMapping, bool ignoreKeyCase)
    {
        private readonly ImmutableArray<YamlNode>.Builder? _items = isMapping ? null : ImmutableArray.CreateBuilder<YamlNode>();
        private readonly ImmutableArray<KeyValuePair<YamlScalar, YamlNode>>.Builder? _entries = isMapping ? ImmutableArray.CreateBuilder<KeyValuePair<YamlScalar, YamlNode>>() : null;
        private readonly HashSet<string>? _keys = isMapping ? new(ignoreKeyCase ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal) : null;
        private YamlNode? _key;

        public AnchorName Anchor { get; } = anchor;

        public YamlMark Start { get; } = start;

        /// <summary>A mapping's last key when no value followed it.</summary>
        public YamlNode? DanglingKey => _key;

        /// <summary>Adds an item, or a mapping's key or value; an error when the entry is left out.</summary>
        public YamlError? Add(YamlNode node)
        {
            if (_items is not null)
            {
                _items.Add(node);
                return null;
            }

            if (_key is null)
            {
                _key = node;
                return null;
            }

            var key = _key;
            _key = null;
            if (key is not YamlScalar scalar)
            {
                return new YamlError(key.Start, "a mapping key must be a scalar, not a " + key.KindName);
            }

            if (!_keys!.Add(scalar.Value))
            {
                return new YamlError(scalar.Start, $"duplicate key '{scalar.Value}': it is already defined in this mapping"
                    + (ignoreKeyCase ? " (keys are compared ignoring case)" : ""));
            }

            _entries!.Add(new(scalar, node));
            return null;
        }

        public YamlNode Build() => _items is not null ? new YamlSequence(_items.ToImmutable(), Start) : new YamlMapping(_entries!.ToImmutable(), Start);
    }

    /// <summary>Ends reading after a fatal error (recorded before it is thrown; never escapes <see cref="Parse"/>).</summary>
    private sealed class StopReading : Exception;

    private static YamlMark Mark(Mark mark) => new((int)Math.Clamp(mark.Line, 1, int.MaxValue), (int)Math.Clamp(mark.Column, 1, int.MaxValue));

    private static string Describe(YamlException e)
    {
        // YamlDotNet prefixes messages with "(Line: 3, Col: 5, Idx: 20) - (…): "; the position is reported separately.
        var message = e.InnerException?.Message ?? e.Message;
        var cut = message.LastIndexOf("): ", StringComparison.Ordinal);
        return (cut >= 0 ? message[(cut + 3)..] : message).Trim();
    }
}
