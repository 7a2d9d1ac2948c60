using Catalytic.Pipelines.Runs;
using Microsoft.Extensions.Logging;

namespace Catalytic.Pipelines.Environments;

/// <summary>
/// catalytic.yml's <c>environments:</c> as they are now: read again when the file changes (its time and size), the last
/// valid rules kept (and the errors logged once) while an edit leaves it invalid.
/// </summary>
public sealed class EnvironmentRulesFile(string path, ILogger logger)
{
    private readonly Lock _gate = new();
    private (DateTime Time, long Size) _seen;
    private EnvironmentRules _rules = EnvironmentRules.None;

    public EnvironmentRules Current()
    {
        var info = new FileInfo(path);
        var stamp = info.Exists ? (info.LastWriteTimeUtc, info.Length) : (DateTime.MinValue, -1L);
        lock (_gate)
        {
            if (stamp == _seen)
            {
                return _rules;
            }

            _seen = stamp;
            var (rules, errors) = EnvironmentRules.Load(path);
            if (errors.IsEmpty)
            {
                _rules = rules;
            }
            else
            {
                RunLog.EnvironmentRulesInvalid(logger, path, string.Join("; ", errors));
            }

            return _rules;
        }
    }
}
