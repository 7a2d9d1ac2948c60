namespace Catalytic.Testing.Files;

/// <summary>A fresh folder under the system's temporary folder, deleted (as far as possible) on dispose.</summary>
public sealed class TempFolder : IDisposable
{
    /// <summary>Creates catalytic-<paramref name="purpose"/>-XXXXXX.</summary>
    public TempFolder(string purpose = "test") => Path = Directory.CreateTempSubdirectory($"catalytic-{purpose}-").FullName;

    /// <summary>The folder's full path.</summary>
    public string Path { get; }

    /// <summary>The full path of <paramref name="relative"/> inside the folder.</summary>
    public string this[string relative] => System.IO.Path.Combine(Path, relative);

    /// <summary>Writes <paramref name="content"/> to <paramref name="relative"/> (creating its folders); returns its full path.</summary>
    public string Write(string relative, string content)
    {
        var full = this[relative];
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content);
        return full;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A process the test started may still hold a file for a moment; the system's temporary folder is cleaned anyway.
        }
        catch (UnauthorizedAccessException)
        {
            // As above (a read-only file a test made).
        }
    }
}
