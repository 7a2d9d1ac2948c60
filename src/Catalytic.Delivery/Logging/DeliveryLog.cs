using Microsoft.Extensions.Logging;

namespace Catalytic.Delivery.Logging;

/// <summary>
/// Every log line of the delivery core, source-generated with a stable event id (1000–1999): 10xx deployments,
/// 11xx instances and the supervisor, 12xx analysis. Ids never change meaning; a retired message keeps its id unused.
/// Messages carry names, versions and reasons, never a secret value.
/// </summary>
internal static partial class DeliveryLog
{
    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "{App}/{Environment}: deployment {Id} of {Version} requested by {By} ({Strategy})")]
    public static partial void DeploymentRequested(this ILogger logger, string app, string environment, string id, string version, string by, string strategy);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information, Message = "{App}/{Environment}: deployment {Id} superseded by {NewerId}")]
    public static partial void DeploymentSuperseded(this ILogger logger, string app, string environment, string id, string newerId);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Information, Message = "{App}/{Environment}: deployment {Id} ended {State}: {Reason}")]
    public static partial void DeploymentEnded(this ILogger logger, string app, string environment, string id, string state, string reason);

    [LoggerMessage(EventId = 1004, Level = LogLevel.Information, Message = "{App}/{Environment}: deployment {Id} waits for a person: {Reason}")]
    public static partial void GateOpened(this ILogger logger, string app, string environment, string id, string reason);

    [LoggerMessage(EventId = 1005, Level = LogLevel.Information, Message = "{App}/{Environment}: deployment {Id} {Decision} by {By}")]
    public static partial void GateDecided(this ILogger logger, string app, string environment, string id, string decision, string by);

    [LoggerMessage(EventId = 1006, Level = LogLevel.Information, Message = "{App}/{Environment}: rollback requested by {By}")]
    public static partial void RollbackRequested(this ILogger logger, string app, string environment, string by);

    [LoggerMessage(EventId = 1007, Level = LogLevel.Error, Message = "{App}/{Environment}: deployment {Id} failed with an internal error; its new instances were stopped and it is recorded as failed")]
    public static partial void DeploymentCrashed(this ILogger logger, Exception exception, string app, string environment, string id);

    [LoggerMessage(EventId = 1008, Level = LogLevel.Warning, Message = "{App}/{Environment}: deployment {Id} interrupted by the server stopping; it is recorded as interrupted at the next start")]
    public static partial void DeploymentInterruptedByShutdown(this ILogger logger, string app, string environment, string id);

    [LoggerMessage(EventId = 1009, Level = LogLevel.Warning, Message = "a deployment run failed while the server stopped; what it did not record is recorded as interrupted at the next start")]
    public static partial void RunFailedAtShutdown(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1010, Level = LogLevel.Warning, Message = "{Count} deployment run(s) still going {Waited} after the server began to stop; their instances are stopped now and the deployments recorded as interrupted at the next start")]
    public static partial void RunsOutlivedShutdown(this ILogger logger, int count, string waited);

    [LoggerMessage(EventId = 1011, Level = LogLevel.Information, Message = "{App}/{Environment} serves {Version}")]
    public static partial void Restored(this ILogger logger, string app, string environment, string version);

    [LoggerMessage(EventId = 1012, Level = LogLevel.Warning, Message = "{App}/{Environment} could not start {Version} again: {Reason}")]
    public static partial void RestoreFailed(this ILogger logger, string app, string environment, string version, string reason);

    [LoggerMessage(EventId = 1013, Level = LogLevel.Warning, Message = "{App}/{Environment}: deployment {Id} was interrupted by the previous server's end; recorded as {State}")]
    public static partial void InterruptedDeploymentRecorded(this ILogger logger, string app, string environment, string id, string state);

    [LoggerMessage(EventId = 1014, Level = LogLevel.Warning, Message = "ended {Count} orphaned instance group(s) of a previous server")]
    public static partial void OrphansEnded(this ILogger logger, int count);

    [LoggerMessage(EventId = 1015, Level = LogLevel.Warning, Message = "{App}/{Environment}: stopping the instances of {Version} failed; they may still run (they are ended at the next start)")]
    public static partial void RetireFailed(this ILogger logger, Exception exception, string app, string environment, string version);

    [LoggerMessage(EventId = 1016, Level = LogLevel.Information, Message = "{App}/{Environment}: deployment {Id} waits for a deployment another node runs")]
    public static partial void WaitingForLease(this ILogger logger, string app, string environment, string id);

    [LoggerMessage(EventId = 1017, Level = LogLevel.Error, Message = "{App}/{Environment}: deployment {Id} lost this node's hold on the environment (the store's lease); it stops and hands traffic back")]
    public static partial void LeaseLost(this ILogger logger, string app, string environment, string id);

    [LoggerMessage(EventId = 1018, Level = LogLevel.Error, Message = "{App}/{Environment}: the outcome of deployment {Id} could not be recorded; it is recorded as interrupted at the next start")]
    public static partial void OutcomeNotRecorded(this ILogger logger, Exception exception, string app, string environment, string id);

    [LoggerMessage(EventId = 1019, Level = LogLevel.Warning, Message = "{App}/{Environment}: releasing the lease of deployment {Id} failed; the store frees it when the connection ends")]
    public static partial void LeaseReleaseFailed(this ILogger logger, Exception exception, string app, string environment, string id);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Debug, Message = "instance {Instance} started (pid {Pid})")]
    public static partial void InstanceStarted(this ILogger logger, string instance, int pid);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning, Message = "instance {Instance} exited with code {Code}; restarting in {Backoff}")]
    public static partial void InstanceExited(this ILogger logger, string instance, int code, string backoff);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Information, Message = "instance {Instance} is {Health}")]
    public static partial void InstanceHealth(this ILogger logger, string instance, string health);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "stopping instance {Instance} failed; its process group may still run (ended at the next start)")]
    public static partial void InstanceStopFailed(this ILogger logger, Exception exception, string instance);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Warning, Message = "instance {Instance}: could not append to its log {Path}; the line was: {Line}")]
    public static partial void InstanceLogWriteFailed(this ILogger logger, Exception exception, string instance, string path, string line);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Error, Message = "supervising instance {Instance} failed; it is no longer health-checked or restarted (marked crashed)")]
    public static partial void SupervisionFailed(this ILogger logger, Exception exception, string instance);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Debug, Message = "{App}/{Environment}: analysis of {Version}: {Check}")]
    public static partial void AnalysisCheck(this ILogger logger, string app, string environment, string version, string check);
}
