using System.Buffers;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;

namespace Catalytic.Delivery.Targets;

/// <summary>
/// The masking stage between an instance and its log file: a filter (stdin to stdout) that replaces every secret value
/// with *** line by line, the rule of <see cref="Deployments.SecretMask"/>. It runs as a hidden verb of the catalytic
/// executable inside the instance's process group, so the log on disk never holds a secret and the instance's output
/// does not depend on the server being alive.
/// </summary>
public static class LogMasker
{
    /// <summary>The hidden CLI verb that runs <see cref="RunProcess"/>.</summary>
    public const string Verb = "__mask-log";

    /// <summary>Environment variable carrying the secret values to the stage (each base64, comma-separated); the app's shell unsets it.</summary>
    public const string SecretsVariable = "CATALYTIC_MASK_SECRETS";

    /// <summary>A line longer than this without a newline is written out in parts (all but a possible secret's start).</summary>
    internal const int MaxLine = 64 * 1024;

    private static readonly byte[] MaskBytes = "***"u8.ToArray();

    /// <summary>
    /// The command that runs the stage with this process's own catalytic executable: <c>[catalytic, __mask-log]</c>, or
    /// <c>[dotnet, catalytic.dll, __mask-log]</c> for the IL build run through the muxer; null when this process is not catalytic.
    /// </summary>
    public static IReadOnlyList<string>? SelfCommand()
    {
        if (Environment.ProcessPath is not { } exe || Assembly.GetEntryAssembly()?.GetName().Name != "catalytic")
        {
            return null;
        }

        if (Path.GetFileNameWithoutExtension(exe) == "dotnet")
        {
            var dll = Environment.GetCommandLineArgs()[0];
            return dll.EndsWith(".dll", StringComparison.Ordinal) && File.Exists(dll) ? [exe, Path.GetFullPath(dll), Verb] : null;
        }

        return [exe, Verb];
    }

    /// <summary>The value of <see cref="SecretsVariable"/> for <paramref name="secrets"/>.</summary>
    public static string Encode(IEnumerable<string> secrets) =>
        string.Join(',', secrets.Select(s => Convert.ToBase64String(Encoding.UTF8.GetBytes(s))));

    /// <summary>
    /// The byte patterns to mask for <paramref name="encoded"/>: each value (a multi-line value as its lines, since
    /// masking is per line), those <see cref="Deployments.SecretMask.IsMaskable"/>, distinct, longest first.
    /// </summary>
    public static IReadOnlyList<byte[]> Patterns(string? encoded) =>
        [.. (encoded ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(s => Encoding.UTF8.GetString(Convert.FromBase64String(s)))
            .SelectMany(v => v.Split('\n'))
            .Select(v => v.TrimEnd('\r'))
            .Where(Deployments.SecretMask.IsMaskable)
            .Distinct(StringComparer.Ordinal)
            .Select(Encoding.UTF8.GetBytes)
            .OrderByDescending(b => b.Length)];

    /// <summary>
    /// The stage's process: ignores SIGTERM, SIGINT and SIGHUP (a stop signals the whole group, and the stage must
    /// write the app's last lines; it ends at end of input, when every writer is gone), then filters stdin to stdout.
    /// </summary>
    public static int RunProcess()
    {
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => c.Cancel = true);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => c.Cancel = true);
        using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c => c.Cancel = true);
        var patterns = Patterns(Environment.GetEnvironmentVariable(SecretsVariable));
        using var input = Console.OpenStandardInput();
        using var output = Console.OpenStandardOutput();
        Run(input, output, patterns);
        return 0;
    }

    /// <summary>
    /// Copies <paramref name="input"/> to <paramref name="output"/> until end of input with every pattern replaced by ***
    /// within each line. What a read returned is written at once up to its last newline; a partial line waits for its end
    /// (so a secret split across writes is still masked) and is written at end of input. A failing output is dropped,
    /// never a reason to stop reading: the app must not get EPIPE because its log cannot be written.
    /// </summary>
    public static void Run(Stream input, Stream output, IReadOnlyList<byte[]> patterns)
    {
        var keep = Math.Max(0, (patterns.Count == 0 ? 0 : patterns[0].Length) - 1);
        var buffer = new byte[16 * 1024];
        // Reused buffers: a busy app's log costs no garbage per line (the stage's memory stays at the runtime's baseline).
        var pending = new ArrayBufferWriter<byte>(1024);
        var outBuffer = new ArrayBufferWriter<byte>(buffer.Length + 1024);
        int n;
        while ((n = input.Read(buffer, 0, buffer.Length)) > 0)
        {
            var chunk = buffer.AsSpan(0, n);
            var last = chunk.LastIndexOf((byte)'\n');
            if (last < 0)
            {
                pending.Write(chunk);
                if (pending.WrittenCount > MaxLine)
                {
                    // No secret can start before the last `keep` bytes and still be incomplete: write everything before them.
                    var masked = Masked(pending.WrittenSpan, patterns);
                    var cut = masked.Length - Math.Min(keep, masked.Length);
                    outBuffer.Write(masked.AsSpan(0, cut));
                    pending.ResetWrittenCount();
                    pending.Write(masked.AsSpan(cut));
                }
            }
            else
            {
                var start = 0;
                while (start <= last)
                {
                    var end = chunk[start..].IndexOf((byte)'\n') + start;
                    if (pending.WrittenCount > 0)
                    {
                        pending.Write(chunk[start..end]);
                        WriteMasked(outBuffer, pending.WrittenSpan, patterns);
                        pending.ResetWrittenCount();
                    }
                    else
                    {
                        WriteMasked(outBuffer, chunk[start..end], patterns);
                    }

                    outBuffer.Write("\n"u8);
                    start = end + 1;
                }

                pending.Write(chunk[(last + 1)..]);
            }

            Flush(outBuffer, output);
        }

        if (pending.WrittenCount > 0)
        {
            WriteMasked(outBuffer, pending.WrittenSpan, patterns);
            Flush(outBuffer, output);
        }
    }

    private static void Flush(ArrayBufferWriter<byte> buffer, Stream output)
    {
        if (buffer.WrittenCount == 0)
        {
            return;
        }

        try
        {
            output.Write(buffer.WrittenSpan);
            output.Flush();
        }
        catch (IOException)
        {
        }

        buffer.ResetWrittenCount();
    }

    private static void WriteMasked(ArrayBufferWriter<byte> output, ReadOnlySpan<byte> line, IReadOnlyList<byte[]> patterns)
    {
        foreach (var p in patterns)
        {
            if (line.IndexOf(p) >= 0)
            {
                output.Write(Masked(line, patterns));
                return;
            }
        }

        output.Write(line);
    }

    /// <summary>The line with each pattern, longest first, replaced by *** (the order of SecretMask.Apply).</summary>
    private static byte[] Masked(ReadOnlySpan<byte> line, IReadOnlyList<byte[]> patterns)
    {
        var text = line.ToArray();
        foreach (var p in patterns)
        {
            if (text.AsSpan().IndexOf(p) < 0)
            {
                continue;
            }

            var result = new ArrayBufferWriter<byte>(text.Length);
            ReadOnlySpan<byte> rest = text;
            int at;
            while ((at = rest.IndexOf(p)) >= 0)
            {
                result.Write(rest[..at]);
                result.Write(MaskBytes);
                rest = rest[(at + p.Length)..];
            }

            result.Write(rest);
            text = result.WrittenSpan.ToArray();
        }

        return text;
    }
}
