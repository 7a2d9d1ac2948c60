namespace Catalytic.Runner.Logging;

/// <summary>
/// Prints progress: every line tagged <c>[job/step]</c>. On a terminal, lines inside <c>::group::</c> are
/// folded to the group's title and a footer of running jobs is redrawn in place; otherwise plain lines.
/// </summary>
public sealed class ConsoleRunListener : IRunListener, IDisposable
{
    private readonly TextWriter _out;
    private readonly bool _tty;
    private readonly object _gate = new();
    private readonly Dictionary<string, (string Step, long StartedAt)> _running = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ITimer? _timer;
    private int _footerLines;

    /// <param name="time">The clock of the footer's redraws and running times.</param>
    public ConsoleRunListener(TextWriter output, bool isTerminal, TimeProvider time)
    {
        _out = output;
        _tty = isTerminal;
        _time = time;
        if (_tty)
        {
            _timer = _time.CreateTimer(_ => Redraw(), null, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250));
        }
    }

    public void JobStarted(string jobLabel)
    {
        lock (_gate)
        {
            _running[jobLabel] = ("", _time.GetTimestamp());
            Write($"[{jobLabel}] started");
        }
    }

    public void StepStarted(string jobLabel, string stepName)
    {
        lock (_gate)
        {
            if (_running.TryGetValue(jobLabel, out var r))
            {
                _running[jobLabel] = (stepName, r.StartedAt);
            }
        }
    }

    public void Line(string jobLabel, string stepName, string text, LineKind kind)
    {
        if (_tty && kind is LineKind.InGroup or LineKind.GroupEnd)
        {
            return;
        }

        var prefix = kind == LineKind.GroupStart ? (_tty ? "▸ " : "::group:: ") : "";
        lock (_gate)
        {
            Write($"[{jobLabel}/{stepName}] {prefix}{text}");
        }
    }

    public void JobFinished(string jobLabel, string result, TimeSpan duration)
    {
        lock (_gate)
        {
            _running.Remove(jobLabel);
            Write($"[{jobLabel}] {result} in {Format(duration)}");
        }
    }

    /// <summary>Writes a line outside any job (summary, notices), keeping the footer below it.</summary>
    public void WriteLine(string text)
    {
        lock (_gate)
        {
            Write(text);
        }
    }

    public void Dispose()
    {
        _timer?.Dispose();
        lock (_gate)
        {
            ClearFooter();
            _out.Flush();
        }
    }

    /// <summary>A duration the way the console shows it: 850ms, 4.2s, 3m07s.</summary>
    public static string Format(TimeSpan d) =>
        d.TotalSeconds < 1 ? $"{d.TotalMilliseconds:0}ms" : d.TotalMinutes < 1 ? $"{d.TotalSeconds:0.0}s" : $"{(int)d.TotalMinutes}m{d.Seconds:00}s";

    private void Write(string line)
    {
        ClearFooter();
        _out.WriteLine(line);
        DrawFooter();
    }

    private void Redraw()
    {
        lock (_gate)
        {
            ClearFooter();
            DrawFooter();
            _out.Flush();
        }
    }

    private void ClearFooter()
    {
        if (_footerLines > 0)
        {
            // Up N lines, then clear to the end of the screen.
            _out.Write($"\e[{_footerLines}F\e[J");
            _footerLines = 0;
        }
    }

    private void DrawFooter()
    {
        if (!_tty || _running.Count == 0)
        {
            return;
        }

        foreach (var (job, (step, clock)) in _running)
        {
            _out.WriteLine($"\e[2m  ⋯ {job}{(step.Length > 0 ? " › " + step : "")} ({Format(_time.GetElapsedTime(clock))})\e[0m");
            _footerLines++;
        }
    }
}
