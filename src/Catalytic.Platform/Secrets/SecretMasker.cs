using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Catalytic.Platform.Secrets;

/// <summary>
/// The one secret-masking rule and its one implementation, for everything that leaves a process and may carry a
/// secret: a run's console, logs and report (the runner, with every <c>::add-mask::</c>), the server's API answers,
/// and the masking stage between an instance and its log file (<see cref="Copy"/>, on bytes).
/// <para>
/// The rule. A secret is masked when it has at least <see cref="MinimumLength"/> characters once trimmed; shorter
/// values are ignored, because a one- or two-character value occurs by chance in almost any output, so masking it
/// destroys the output while the positions of the <c>***</c> give the value away. For each secret the masker registers
/// what GitHub's runner registers for its secrets (Worker.InitializeSecretMasker, HostContext's value encoders): the
/// trimmed value and each trimmed line of a multi-line value (output is read a line at a time), and of each of those
/// its JSON-escaped forms (as System.Text.Json writes it, default and relaxed), its URI-escaped form and its base64
/// forms at the three byte alignments (standard and URL-safe alphabets, without padding or the partial last digit, so
/// they match inside longer base64 such as <c>Authorization: Basic …</c>). Every registered form obeys the same length
/// rule and none holds a line break: masking is per line, and matches never span lines.
/// </para>
/// <para>
/// Matching. Every occurrence of every form is replaced; overlapping or adjacent occurrences merge into one
/// <c>***</c>, so a secret that contains, overlaps or follows another is hidden whole (longest first falls out of it).
/// </para>
/// Thread-safe: secrets may be added while other threads mask (a step's <c>::add-mask::</c> while a sibling job
/// writes); a mask applies from the next line on.
/// </summary>
public sealed partial class SecretMasker
{
    /// <summary>What a secret is replaced with.</summary>
    public const string Mask = "***";

    /// <summary>The fewest characters (once trimmed) a value must have to be masked.</summary>
    public const int MinimumLength = 3;

    private readonly Lock _gate = new();
    private readonly HashSet<string> _forms = new(StringComparer.Ordinal);
    private Compiled? _compiled;

    /// <summary>A masker with no secret yet.</summary>
    public SecretMasker()
    {
    }

    /// <summary>A masker of <paramref name="secrets"/>.</summary>
    public SecretMasker(IEnumerable<string?> secrets)
    {
        foreach (var secret in secrets)
        {
            AddForms(secret);
        }
    }

    /// <summary>The number of distinct strings being masked (the secrets' registered forms).</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _forms.Count;
            }
        }
    }

    /// <summary>True when <paramref name="value"/> is long enough to be masked (see the rule above).</summary>
    public static bool IsMaskable(string? value) => value is not null && value.AsSpan().Trim().Length >= MinimumLength;

    /// <summary><paramref name="text"/> with every one of <paramref name="secrets"/> masked (compiles them each call: for one-off texts).</summary>
    public static string Apply(string text, IEnumerable<string?> secrets) => new SecretMasker(secrets).Apply(text);

    /// <summary>Registers a secret (and its forms); a value too short to mask is ignored.</summary>
    public void Add(string? secret) => AddForms(secret);

    /// <summary>Returns <paramref name="text"/> with every registered secret replaced by <c>***</c>.</summary>
    public string Apply(string text)
    {
        if (string.IsNullOrEmpty(text) || Current()?.Text is not { } patterns)
        {
            return text;
        }

        var from = 0;
        if (!patterns.NextRange(text.AsSpan(), ref from, out var start, out var end))
        {
            return text;
        }

        var result = new StringBuilder(text.Length);
        var copied = 0;
        do
        {
            result.Append(text, copied, start - copied).Append(Mask);
            copied = end;
        }
        while (patterns.NextRange(text.AsSpan(), ref from, out start, out end));

        return result.Append(text, copied, text.Length - copied).ToString();
    }

    /// <summary>The strings registered for <paramref name="secret"/> under the rule (none when it is too short).</summary>
    public static IEnumerable<string> Forms(string? secret)
    {
        if (!IsMaskable(secret))
        {
            return [];
        }

        var trimmed = secret!.Trim();
        var bases = new List<string> { trimmed };
        bases.AddRange(trimmed.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return bases.Distinct(StringComparer.Ordinal)
            .SelectMany(Encodings)
            .Where(f => IsMaskable(f) && f.AsSpan().IndexOfAny('\r', '\n') < 0)
            .Distinct(StringComparer.Ordinal);
    }

    private static IEnumerable<string> Encodings(string value)
    {
        yield return value;
        yield return JsonEncodedText.Encode(value).Value;
        yield return JsonEncodedText.Encode(value, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).Value;
        yield return Uri.EscapeDataString(value);
        var bytes = Encoding.UTF8.GetBytes(value);
        for (var offset = 0; offset < 3 && offset < bytes.Length; offset++)
        {
            // Bytes before the secret shift where its base64 digits start; skipping 0, 1 or 2 of its own bytes finds an
            // alignment whatever precedes it. The last digit of a partial group mixes in the byte after the secret.
            var aligned = bytes.AsSpan(offset);
            var full = aligned.Length / 3 * 4 + aligned.Length % 3;
            var base64 = Convert.ToBase64String(aligned)[..full];
            yield return base64;
            yield return base64.Replace('+', '-').Replace('/', '_');
        }
    }

    private void AddForms(string? secret)
    {
        var forms = Forms(secret);
        lock (_gate)
        {
            var changed = false;
            foreach (var form in forms)
            {
                changed |= _forms.Add(form);
            }

            if (changed)
            {
                // Compiled again on the next use, not on every add: a run registers its secrets one by one.
                _compiled = null;
            }
        }
    }

    private Compiled? Current()
    {
        var compiled = Volatile.Read(ref _compiled);
        if (compiled is not null)
        {
            return compiled;
        }

        lock (_gate)
        {
            _compiled ??= new Compiled([.. _forms]);
            return _compiled;
        }
    }

    /// <summary>The forms compiled for text, and (on first use) for their UTF-8 bytes.</summary>
    private sealed class Compiled(string[] forms)
    {
        private readonly Lazy<SecretPatterns<byte>?> _bytes = new(() => SecretPatterns<byte>.Create(forms.Select(Encoding.UTF8.GetBytes)));

        public SecretPatterns<char>? Text { get; } = SecretPatterns<char>.Create(forms.Select(f => f.ToCharArray()));

        public SecretPatterns<byte>? Bytes => _bytes.Value;
    }
}
