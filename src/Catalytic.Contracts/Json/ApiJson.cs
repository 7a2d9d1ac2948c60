using System.Text.Json;
using System.Text.Json.Serialization;
using Catalytic.Contracts.Alerts;
using Catalytic.Contracts.Checks;
using Catalytic.Contracts.Deployments;
using Catalytic.Contracts.Problems;
using Catalytic.Contracts.Runs;
using Catalytic.Contracts.Secrets;
using Catalytic.Contracts.Server;
using Catalytic.Contracts.Status;

namespace Catalytic.Contracts.Json;

/// <summary>
/// Source-generated JSON for every contract (the CLI is compiled ahead of time: no reflection-based serialisation).
/// Web defaults (camelCase), nulls left out. The server puts it first in its resolver chain; clients pass its type infos.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = false)]
[JsonSerializable(typeof(DeployBody))]
[JsonSerializable(typeof(DecisionBody))]
[JsonSerializable(typeof(RollbackBody))]
[JsonSerializable(typeof(DeploymentView))]
[JsonSerializable(typeof(IReadOnlyList<DeploymentView>))]
[JsonSerializable(typeof(StatusView))]
[JsonSerializable(typeof(ServerInfo))]
[JsonSerializable(typeof(ProblemView))]
[JsonSerializable(typeof(RunView))]
[JsonSerializable(typeof(IReadOnlyList<RunView>))]
[JsonSerializable(typeof(RunDetailView))]
[JsonSerializable(typeof(IReadOnlyList<WorkerView>))]
[JsonSerializable(typeof(DispatchBody))]
[JsonSerializable(typeof(DispatchAnswer))]
[JsonSerializable(typeof(DispatchFormView))]
[JsonSerializable(typeof(IReadOnlyList<SecretView>))]
[JsonSerializable(typeof(SecretBody))]
[JsonSerializable(typeof(RerunBody))]
[JsonSerializable(typeof(RunApprovalBody))]
[JsonSerializable(typeof(LogLineView))]
[JsonSerializable(typeof(LogBatchView))]
[JsonSerializable(typeof(IReadOnlyList<CheckView>))]
[JsonSerializable(typeof(CheckHistoryView))]
[JsonSerializable(typeof(SlaView))]
[JsonSerializable(typeof(AlertView))]
[JsonSerializable(typeof(IReadOnlyList<AlertView>))]
[JsonSerializable(typeof(SilenceView))]
[JsonSerializable(typeof(IReadOnlyList<SilenceView>))]
[JsonSerializable(typeof(SilenceBody))]
[JsonSerializable(typeof(IReadOnlyList<NotificationView>))]
[JsonSerializable(typeof(NotificationView))]
[JsonSerializable(typeof(NotificationSetupView))]
public sealed partial class ApiJson : JsonSerializerContext;
