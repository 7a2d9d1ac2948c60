using System.Text.Json.Serialization;
using Catalytic.Runner.Reporting;

namespace Catalytic.Pipelines.Runs;

/// <summary>The JSON the run queue stores (source-generated: the server is compiled ahead of time).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(JobReport))]
public sealed partial class RunJson : JsonSerializerContext;
