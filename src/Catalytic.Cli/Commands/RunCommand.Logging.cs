using Microsoft.Extensions.Logging;

namespace Catalytic.Cli.Commands;

/// <summary>
/// The runner's diagnostics on a terminal: warnings and errors as "catalytic: warning: …" lines on stderr (the run's
/// own output is the steps'). Hand-written because the console logger of Microsoft.Extensions.Logging binds its
/// options by reflection, which the native (AOT) build refuses; this needs one line per entry and nothing else.
/// </summary>
internal sealed class StderrLogger(TextWriter error, LogLevel minimum = LogLevel.Warning) : ILogger
{
    private readonly object _gate = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        var level = logLevel switch
        {
            LogLevel.Critical or LogLevel.Error => "error",
            LogLevel.Warning => "warning",
            _ => "info",
        };
        var line = $"catalytic: {level}: {formatter(state, exception)}" + (exception is null ? "" : $" ({exception.GetType().Name}: {exception.Message})");
        lock (_gate)
        {
            error.WriteLine(line);
        }
    }
}
