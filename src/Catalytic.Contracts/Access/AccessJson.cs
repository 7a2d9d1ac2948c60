using System.Text.Json;
using System.Text.Json.Serialization;

namespace Catalytic.Contracts.Access;

/// <summary>Source-generated JSON of the access shapes, with the same options as <see cref="Json.ApiJson"/> (the server chains both).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, WriteIndented = false)]
[JsonSerializable(typeof(LoginBody))]
[JsonSerializable(typeof(WhoAmIView))]
[JsonSerializable(typeof(UserView))]
[JsonSerializable(typeof(IReadOnlyList<UserView>))]
[JsonSerializable(typeof(AddUserBody))]
[JsonSerializable(typeof(UpdateUserBody))]
[JsonSerializable(typeof(TokenView))]
[JsonSerializable(typeof(IReadOnlyList<TokenView>))]
[JsonSerializable(typeof(CreateTokenBody))]
[JsonSerializable(typeof(CreatedTokenView))]
[JsonSerializable(typeof(SessionView))]
[JsonSerializable(typeof(IReadOnlyList<SessionView>))]
[JsonSerializable(typeof(AuditEntryView))]
[JsonSerializable(typeof(IReadOnlyList<AuditEntryView>))]
public sealed partial class AccessJson : JsonSerializerContext;
