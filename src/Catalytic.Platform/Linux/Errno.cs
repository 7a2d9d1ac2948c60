using System.Runtime.InteropServices;

namespace Catalytic.Platform.Linux;

/// <summary>The errno values the project tests for, named once (Linux numbering, as glibc's asm-generic/errno.h).</summary>
public static class Errno
{
    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int EPIPE = 32;
    public const int ENETUNREACH = 101;
    public const int ECONNABORTED = 103;
    public const int ECONNRESET = 104;
    public const int ETIMEDOUT = 110;
    public const int ECONNREFUSED = 111;
    public const int EHOSTUNREACH = 113;
    public const int EINPROGRESS = 115;

    /// <summary>The errno of the calling thread's last P/Invoke declared with <c>SetLastError = true</c>.</summary>
    public static int Last => Marshal.GetLastPInvokeError();
}
