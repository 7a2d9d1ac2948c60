using System.Collections.Immutable;
using Catalytic.Delivery.Config;
using Catalytic.Pipelines.Repositories;
using Catalytic.Pipelines.Runs;
using Catalytic.Platform.Config;
using Catalytic.Status.Config;

namespace Catalytic.Server.Hosting;

/// <summary>
/// catalytic.yml as <c>serve</c> starts from it: the file parsed once (through the <see cref="ConfigFileWatch"/> that
/// later reloads read too) and every section read from that one parse. The errors of all sections come back together,
/// each <c>file:line:column: message</c>, in the file's order; broken YAML is reported once, by delivery's reader.
/// </summary>
internal sealed record ServeConfig(DeliveryConfig Delivery, StatusConfig Status, RunRetention Retention, ImmutableArray<RepositoryDefinition> Repositories)
{
    /// <summary>Every section of the file as it is now, or every problem found in it (nothing is started then).</summary>
    public static (ServeConfig? Config, IReadOnlyList<string> Errors) Read(ConfigFileWatch watch)
    {
        if (watch.Current() is not { } file)
        {
            return (null, [.. DeliveryConfigParser.NotFound(watch.Path).Errors.Select(e => e.ToString())]);
        }

        var delivery = DeliveryConfigParser.Read(file);
        if (!file.Document.Errors.IsEmpty)
        {
            return (null, [.. delivery.Errors.Select(e => e.ToString())]);
        }

        var (status, statusErrors) = StatusConfigParser.Read(file.Document);
        var retention = file.Read(RunRetention.Section);
        var repositories = file.Read(RepositoriesSection.For(Path.GetDirectoryName(Path.GetFullPath(file.File))!));
        var errors = delivery.Errors.Concat(statusErrors)
            .Concat(retention.Errors.Concat(repositories.Errors).Select(e => new ConfigError(file.File, e.At.Line, e.At.Column, e.Message)))
            .OrderBy(e => e.Line).ThenBy(e => e.Column)
            .Select(e => e.ToString())
            .ToList();
        return errors.Count > 0 || delivery.Config is null || status is null
            ? (null, errors)
            : (new ServeConfig(delivery.Config, status, retention.Value, repositories.Value), []);
    }

    /// <summary>Delivery's section of the file as it is now: what the engine reads before each deployment.</summary>
    public static ConfigResult DeliveryNow(ConfigFileWatch watch) =>
        watch.Current() is { } file ? DeliveryConfigParser.Read(file) : DeliveryConfigParser.NotFound(watch.Path);
}
