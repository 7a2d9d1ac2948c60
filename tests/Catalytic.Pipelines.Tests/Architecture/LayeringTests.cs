using System.Reflection;
using Catalytic.Pipelines.Queue;
using Catalytic.Testing.Architecture;

namespace Catalytic.Pipelines.Tests.Architecture;

/// <summary>
/// Pipelines knows the workflow model, the runner (dispatch inputs typed as <c>catalytic run</c> types them), the
/// platform, the contracts (the worker protocol's routes and shapes), Cronos (schedules), Polly (the worker's retries)
/// and the logging abstractions (docs/architecture.md): no HTTP server (a webhook is a function of headers and body,
/// mapped to an endpoint by Catalytic.Server), no SQL (its records are kept by Catalytic.Storage).
/// </summary>
public sealed class LayeringTests
{
    private static readonly Assembly Pipelines = typeof(EmbeddedWorker).Assembly;

    [Fact]
    public void Pipelines_ReferencesOnlyWorkflowsTheRunnerThePlatformTheContractsAndItsLibraries() =>
        Assert.Empty(AssemblyReferences.Outside(Pipelines,
            "Catalytic.Workflows", "Catalytic.Runner", "Catalytic.Platform", "Catalytic.Contracts", "Cronos", "Polly.Core", "Microsoft.Extensions.Logging.Abstractions"));

    [Fact]
    public void Pipelines_KnowsNeitherAnHttpServerNorSql() =>
        Assert.Empty(AssemblyReferences.Among(Pipelines,
            "Microsoft.AspNetCore.*", "Catalytic.Server", "Catalytic.Storage", "Microsoft.Data.Sqlite", "Npgsql", "Catalytic.Delivery", "Catalytic.Edge"));
}
