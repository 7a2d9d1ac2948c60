using System.Text;
using Catalytic.Platform.Secrets;
using Catalytic.Runner.Hosting;
using Catalytic.Runner.Logging;

namespace Catalytic.Runner.Execution;

/// <summary>
/// The log of one job: every line masked, written to the job's log file and handed to the host with its step and
/// time as it happens. Lines come from the job's steps and from the process watcher thread at once.
/// </summary>
internal sealed class JobLog
{
    private readonly object _gate = new();
    private readonly string _label;
    private readonly SecretMasker _masker;
    private readonly IJobHost _host;
    private readonly TimeProvider _time;
    private StreamWriter? _file;

    public JobLog(string path, string label, SecretMasker masker, IJobHost host, TimeProvider time)
    {
        Path = path;
        _label = label;
        _masker = masker;
        _host = host;
        _time = time;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        _file = new StreamWriter(path, append: false, Encoding.UTF8) { AutoFlush = false };
    }

    /// <summary>The log file.</summary>
    public string Path { get; }

    /// <summary>Writes one line to the job log and the host, masked.</summary>
    public void Emit(string stepName, string text, LineKind kind)
    {
        var masked = _masker.Apply(text);
        lock (_gate)
        {
            if (_file is { } file)
            {
                file.Write('[');
                file.Write(stepName);
                file.Write("] ");
                file.WriteLine(kind == LineKind.GroupStart ? "::group::" + masked : kind == LineKind.GroupEnd ? "::endgroup::" : masked);
            }
        }

        _host.Line(new JobLogLine(_label, stepName, masked, kind, _time.GetUtcNow()));
    }

    /// <summary>Writes the job's last line (not shown live) and closes the file; later lines reach the host only.</summary>
    public void Close(string lastLine)
    {
        lock (_gate)
        {
            _file?.WriteLine(lastLine);
            _file?.Dispose();
            _file = null;
        }
    }
}
