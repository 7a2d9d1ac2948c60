using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace Catalytic.Pipelines.Workers.Client;

/// <summary>
/// How a worker waits for a server that went away (Polly's retry, on the worker's clock): exponential backoff with
/// jitter from <see cref="FirstDelay"/> up to <see cref="MaxDelay"/>, for as long as it takes — a worker keeps its
/// jobs' results until the server is back to take them. Only <see cref="WorkerServerUnavailableException"/> is
/// retried; a refusal is not.
/// </summary>
public static class WorkerRetry
{
    public static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(500);

    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

    /// <param name="what">What is retried, for the log ("renew", "report"…).</param>
    public static ResiliencePipeline Create(TimeProvider time, ILogger log, string what, TimeSpan? maxDelay = null) =>
        new ResiliencePipelineBuilder { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<WorkerServerUnavailableException>(),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = FirstDelay,
                MaxDelay = maxDelay ?? MaxDelay,
                OnRetry = args =>
                {
                    WorkerClientLog.ServerAway(log, what, args.AttemptNumber + 1, args.RetryDelay.TotalSeconds, args.Outcome.Exception?.Message ?? "");
                    return default;
                },
            })
            .Build();
}
