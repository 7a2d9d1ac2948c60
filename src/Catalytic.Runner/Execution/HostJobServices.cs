using System.Text.Json.Nodes;
using Catalytic.Runner.Actions;
using Catalytic.Runner.Services;

namespace Catalytic.Runner.Execution;

/// <summary>
/// The default <see cref="IJobServiceHost"/>: starts a job's <c>services:</c> on the host with
/// <see cref="JobServiceStarter"/> (PostgreSQL and Redis from host binaries, podman for other images) and
/// exposes them as <c>job.services</c>.
/// </summary>
public sealed class HostJobServices(JobServiceOptions options) : IJobServiceHost
{
    private readonly JobServiceStarter _starter = new(options);

    public async Task<JobServicesResult> StartAsync(JobServicesRequest request, CancellationToken cancellationToken)
    {
        List<ServiceDefinition> definitions;
        try
        {
            definitions = request.Services.Select(s => ServiceDefinition.FromTemplate(s.Key, s.Value, request.Evaluate)).ToList();
        }
        catch (FormatException e)
        {
            return new JobServicesResult(false, e.Message, null, null, null);
        }

        var started = await _starter.StartAsync(definitions, request.Log, cancellationToken);
        if (!started.Succeeded)
        {
            return new JobServicesResult(false, started.Error, null, null, null);
        }

        var context = new JsonObject();
        foreach (var (id, values) in started.Services!.ToContext())
        {
            var service = new JsonObject();
            foreach (var (key, value) in values)
            {
                service[key] = value switch
                {
                    IReadOnlyDictionary<string, string> map => new JsonObject(map.Select(kv => new KeyValuePair<string, JsonNode?>(kv.Key, kv.Value))),
                    string s => s,
                    _ => value?.ToString(),
                };
            }

            context[id] = service;
        }

        return new JobServicesResult(true, null, context, null, started.Services);
    }
}
