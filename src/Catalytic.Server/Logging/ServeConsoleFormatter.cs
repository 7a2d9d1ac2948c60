using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Catalytic.Server.Logging;

/// <summary>
/// The console form of serve's log: one line per entry, "catalytic serve: message", prefixed with the level when it
/// is a warning or worse, and the exception's type and message on the same line. The structure (event id, named
/// values) stays with the log entry for any other provider.
/// </summary>
internal sealed class ServeConsoleFormatter() : ConsoleFormatter(FormatterName)
{
    /// <summary>The name the console logger selects it by.</summary>
    public const string FormatterName = "catalytic-serve";

    /// <summary>Sets up <paramref name="logging"/> the way serve logs: this formatter on stderr, Information and up (Warning for the framework).</summary>
    public static void Configure(ILoggingBuilder logging)
    {
        logging.ClearProviders();
        logging.AddConsole(o =>
        {
            o.FormatterName = FormatterName;
            // stdout stays free for what a verb prints as its result.
            o.LogToStandardErrorThreshold = LogLevel.Trace;
        });
        // Registered directly: AddConsoleFormatter would also bind its options from configuration by reflection,
        // which the ahead-of-time compiled CLI cannot do (and this formatter has no options).
        logging.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ConsoleFormatter, ServeConsoleFormatter>());
        logging.SetMinimumLevel(LogLevel.Information);
        logging.AddFilter("Microsoft", LogLevel.Warning);
        logging.AddFilter("System", LogLevel.Warning);
    }

    /// <inheritdoc/>
    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        textWriter.Write("catalytic serve: ");
        if (logEntry.LogLevel >= LogLevel.Warning)
        {
            textWriter.Write(logEntry.LogLevel == LogLevel.Warning ? "warning: " : "error: ");
        }

        textWriter.Write(message);
        if (logEntry.Exception is { } e)
        {
            textWriter.Write($" ({e.GetType().Name}: {e.Message})");
        }

        textWriter.Write('\n');
    }
}
