using System.Text.Json.Serialization;

namespace Catalytic.Runner.Reporting;

/// <summary>The machine-readable report of one run (<c>--json</c>, <c>.catalytic/runs/N/report.json</c>). Texts are masked.</summary>
public sealed class RunReport
{
    public int RunNumber { get; set; }
    public string Event { get; set; } = "";
    public string RunDirectory { get; set; } = "";
    public string Result { get; set; } = "success";
    public int ExitCode { get; set; }
    public double DurationMs { get; set; }
    public List<WorkflowReport> Workflows { get; set; } = [];

    /// <summary>The artifacts the run's jobs uploaded, in upload order (kept under <c>RunDirectory/artifacts/</c>).</summary>
    public List<ArtifactReport> Artifacts { get; set; } = [];
}

/// <summary>One artifact kept by the run: what the run summary lists and <c>download-artifact</c> reads.</summary>
public sealed class ArtifactReport
{
    public string Name { get; set; } = "";

    /// <summary>Total size of its files in bytes.</summary>
    public long SizeBytes { get; set; }
    public int FileCount { get; set; }

    /// <summary>The folder holding its files on disk.</summary>
    public string Path { get; set; } = "";
}

public sealed class WorkflowReport
{
    public string File { get; set; } = "";
    public string Name { get; set; } = "";
    public bool Triggered { get; set; }

    /// <summary>Why the workflow did not run (event not listened to, branch filter…).</summary>
    public string? NotTriggeredReason { get; set; }
    public string Result { get; set; } = "";
    public List<JobReport> Jobs { get; set; } = [];
}

public sealed class JobReport
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";

    /// <summary>The matrix combination as JSON, for matrix instances.</summary>
    public string? Matrix { get; set; }

    /// <summary>success, failure, cancelled or skipped (after continue-on-error).</summary>
    public string Result { get; set; } = "";

    /// <summary>The result before continue-on-error.</summary>
    public string Outcome { get; set; } = "";
    public string? Reason { get; set; }
    public double DurationMs { get; set; }
    public string? LogFile { get; set; }
    public Dictionary<string, string> Outputs { get; set; } = [];
    public List<StepReport> Steps { get; set; } = [];

    /// <summary>For a job that calls a reusable workflow: its <c>uses:</c>; its called jobs follow it as <c>id / job</c>.</summary>
    public string? Uses { get; set; }

    /// <summary>For a job of a called workflow: that workflow's file.</summary>
    public string? Workflow { get; set; }
}

public sealed class StepReport
{
    public string Id { get; set; } = "";
    public string Name { get; set; } = "";
    public string Outcome { get; set; } = "";
    public string Conclusion { get; set; } = "";
    public double DurationMs { get; set; }
    public int? ExitCode { get; set; }
    public string? Message { get; set; }
    public Dictionary<string, string> Outputs { get; set; } = [];
    public List<string> Annotations { get; set; } = [];

    /// <summary>The last lines of output of a failed step.</summary>
    public List<string> Tail { get; set; } = [];
}

/// <summary>Source-generated serialisation for the report (no reflection at run time).</summary>
[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RunReport))]
public sealed partial class RunReportJsonContext : JsonSerializerContext;
