using System.Runtime.InteropServices;

namespace Catalytic.Platform.Linux;

/// <summary>File-system questions .NET does not ask the way a shell does: execute permission, the canonical path.</summary>
public static unsafe partial class Files
{
    /// <summary>X_OK for <see cref="Access"/>.</summary>
    public const int ExecuteOk = 1;

    /// <summary>access(2): 0 when the calling process may use <paramref name="path"/> as <paramref name="mode"/> says.</summary>
    [LibraryImport("libc", EntryPoint = "access", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Access(string path, int mode);

    /// <summary>The path with every symbolic link, ".", ".." and extra slash resolved; null when it does not exist.</summary>
    public static string? RealPath(string path)
    {
        var resolved = RealPathNative(path, null);
        if (resolved is null)
        {
            return null;
        }

        try
        {
            return Marshal.PtrToStringUTF8((nint)resolved);
        }
        finally
        {
            NativeMemory.Free(resolved);
        }
    }

    /// <summary>realpath(3) with a null buffer: the result is malloc'ed (freed above with NativeMemory.Free, which is free(3)).</summary>
    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8)]
    private static partial byte* RealPathNative(string path, byte* resolved);
}
