using System.Text;
using Catalytic.Workflows.Parsing;

namespace Catalytic.Fuzz.Targets;

/// <summary>A workflow file (<see cref="WorkflowParser.Parse"/>): bad input is reported as diagnostics, never thrown.</summary>
internal sealed class WorkflowYamlTarget : IFuzzTarget
{
    public string Name => "workflow-yaml";

    public void Run(ReadOnlySpan<byte> input) => WorkflowParser.Parse(".github/workflows/fuzz.yml", Encoding.UTF8.GetString(input));
}
