using System.Runtime.InteropServices;
using System.Text;
using Catalytic.Platform.Secrets;

namespace Catalytic.Delivery.Targets;

/// <summary>
/// The masking stage between an instance and its log file: a filter (stdin to stdout) that masks every secret with the
/// one rule of <see cref="SecretMasker"/>, on bytes. It runs as its own process inside the instance's process group, so
/// the log on disk never holds a secret and the instance's output does not depend on the server being alive. How to
/// start that process is the host's to say (the supervisor is given the command; catalytic's is a hidden verb).
/// </summary>
public static class LogMasker
{
    /// <summary>Environment variable carrying the secret values to the stage (each base64, comma-separated); the app's shell unsets it.</summary>
    public const string SecretsVariable = "CATALYTIC_MASK_SECRETS";

    /// <summary>The value of <see cref="SecretsVariable"/> for <paramref name="secrets"/>.</summary>
    public static string Encode(IEnumerable<string> secrets) =>
        string.Join(',', secrets.Select(s => Convert.ToBase64String(Encoding.UTF8.GetBytes(s))));

    /// <summary>The secret values carried by <paramref name="encoded"/> (see <see cref="Encode"/>).</summary>
    public static IReadOnlyList<string> Decode(string? encoded) =>
        [.. (encoded ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => Encoding.UTF8.GetString(Convert.FromBase64String(s)))];

    /// <summary>
    /// The stage's process: ignores SIGTERM, SIGINT and SIGHUP (a stop signals the whole group, and the stage must
    /// write the app's last lines; it ends at end of input, when every writer is gone), then filters stdin to stdout.
    /// Output the log could not take is noted in the log where it is missing (<see cref="SecretMasker.Copy"/>); bytes
    /// still unwritten at the end are said on stderr (the same log file, launched as it is, but the one channel the
    /// stage has: no server reads it) and in the exit code.
    /// </summary>
    public static int RunProcess()
    {
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => c.Cancel = true);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => c.Cancel = true);
        using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c => c.Cancel = true);
        var masker = new SecretMasker(Decode(Environment.GetEnvironmentVariable(SecretsVariable)));
        using var input = Console.OpenStandardInput();
        using var output = Console.OpenStandardOutput();
        var lost = masker.Copy(input, output);
        if (lost == 0)
        {
            return 0;
        }

        try
        {
            Console.Error.WriteLine($"catalytic mask stage: the last {lost} bytes of output could not be written to the log and are lost");
        }
        catch (IOException)
        {
            // stderr is the same log that could not be written: the exit code is all that is left to say it.
        }

        return 1;
    }
}
