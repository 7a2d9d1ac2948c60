using Catalytic.Platform.Config;
using Catalytic.Pipelines.Runs;
using Microsoft.Extensions.Logging;

namespace Catalytic.Pipelines.Environments;

/// <summary>
/// catalytic.yml's <c>environments:</c> as they are now: read again from the watched file's one parse when the file
/// changes, the last valid rules kept (and the errors logged once) while an edit leaves it invalid.
/// </summary>
public sealed class EnvironmentRulesFile(ConfigFileWatch file, ILogger logger)
{
    private static readonly object Unread = new();
    private readonly Lock _gate = new();
    private object? _read = Unread;
    private EnvironmentRules _rules = EnvironmentRules.None;

    public EnvironmentRules Current()
    {
        var config = file.Current();
        lock (_gate)
        {
            if (ReferenceEquals(config, _read))
            {
                return _rules;
            }

            _read = config;
            // Broken YAML is an invalid edit too: the last valid rules stay (an approval rule must not vanish with a typo).
            var (rules, errors) = config switch
            {
                null => (EnvironmentRules.None, []),
                { Document.Errors.IsEmpty: false } => (_rules, [.. config.Document.Errors.Select(e => $"{config.File}:{e.At}: {e.Message}")]),
                _ => config.ReadReporting(EnvironmentRules.Section),
            };
            if (errors.IsEmpty)
            {
                _rules = rules;
            }
            else
            {
                RunLog.EnvironmentRulesInvalid(logger, file.Path, string.Join("; ", errors));
            }

            return _rules;
        }
    }
}
