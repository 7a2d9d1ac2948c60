using System.Collections;
using Catalytic.Contracts.Secrets;

namespace Catalytic.Server.SecretStore;

/// <summary>
/// The server's secrets as files: <c>{state}/secrets/NAME</c>, one value each, 0600 in a 0700 folder — where every reader
/// already looks (the run queue's and the triggers' <c>EnvironmentSecretSource</c>, deployments, status channels),
/// beside <c>CATALYTIC_SECRET_NAME</c> variables of the server's environment, which win over a file. A value is written
/// to a temporary file renamed over the old one, so a crash leaves the old value or the new one, never half of one.
/// Nothing here returns or logs a value.
/// </summary>
internal sealed class SecretFolder(string stateDirectory)
{
    /// <summary>The largest value stored (a key file or a certificate fits; a secret is not a place for data).</summary>
    public const int MaxValue = 32 * 1024;

    private const int MaxName = 100;
    private const string VariablePrefix = "CATALYTIC_SECRET_";

    private string Folder => Path.Combine(stateDirectory, "secrets");

    /// <summary>Why <paramref name="name"/> cannot name a secret (it is a file name in secrets/, never a path out of it); null when it can.</summary>
    public static string? NameError(string name) =>
        name.Length is > 0 and <= MaxName && char.IsAsciiLetterOrDigit(name[0]) && name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_' or '.')
            ? null
            : $"a secret's name is 1 to {MaxName} letters, digits, '-', '_' or '.', starting with a letter or a digit";

    /// <summary>The server environment's variable that overrides a file secret of <paramref name="name"/>.</summary>
    public static string Variable(string name) => VariablePrefix + name.ToUpperInvariant().Replace('-', '_').Replace('.', '_');

    /// <summary>Every secret the server can read, by name: the files, then the variables no file accounts for.</summary>
    public IReadOnlyList<SecretView> List()
    {
        var variables = new SortedSet<string>(StringComparer.Ordinal);
        foreach (DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            if (e.Key is string k && k.StartsWith(VariablePrefix, StringComparison.Ordinal) && k.Length > VariablePrefix.Length && e.Value is string { Length: > 0 })
            {
                variables.Add(k);
            }
        }

        var list = new List<SecretView>();
        if (Directory.Exists(Folder))
        {
            foreach (var file in Directory.EnumerateFiles(Folder).Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileName(file);
                if (NameError(name) is null)
                {
                    var shadowed = variables.Remove(Variable(name));
                    list.Add(new SecretView(name, "file", new DateTimeOffset(File.GetLastWriteTimeUtc(file), TimeSpan.Zero), shadowed));
                }
            }
        }

        list.AddRange(variables.Select(v => new SecretView(v[VariablePrefix.Length..], "environment", null)));
        return list;
    }

    /// <summary>Stores <paramref name="value"/> as secret <paramref name="name"/> (a valid name); true when it is new.</summary>
    public async Task<bool> SetAsync(string name, string value, CancellationToken ct)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(Folder);
        }
        else
        {
            Directory.CreateDirectory(Folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var target = Path.Combine(Folder, name);
        var created = !File.Exists(target);
        // A leading '.' is no valid name: a half-written temporary file is never listed or read as a secret.
        var temporary = Path.Combine(Folder, "." + name + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            await using (var f = new FileStream(temporary, options))
            {
                await f.WriteAsync(System.Text.Encoding.UTF8.GetBytes(value), ct);
                await f.FlushAsync(ct);
                f.Flush(flushToDisk: true);
            }

            File.Move(temporary, target, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }

        return created;
    }

    /// <summary>Removes file secret <paramref name="name"/>; false when there was none.</summary>
    public bool Remove(string name)
    {
        var target = Path.Combine(Folder, name);
        if (!File.Exists(target))
        {
            return false;
        }

        File.Delete(target);
        return true;
    }
}
