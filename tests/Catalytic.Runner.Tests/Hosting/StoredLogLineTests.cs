using System.Text.Json;
using Catalytic.Contracts.Runs;
using Catalytic.Runner.Hosting;
using Catalytic.Runner.Logging;

namespace Catalytic.Runner.Tests.Hosting;

/// <summary>
/// The runner writes a worker message's line in the contract's shape (<see cref="StoredLogLine"/>) and the server's
/// log API reads it with the contract alone: what one writes the other reads, and what is no line is skipped.
/// </summary>
public sealed class StoredLogLineTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 6, 9, 30, 15, 123, TimeSpan.Zero);

    [Theory]
    [InlineData(LineKind.Output)]
    [InlineData(LineKind.GroupStart)]
    [InlineData(LineKind.InGroup)]
    [InlineData(LineKind.GroupEnd)]
    [InlineData(LineKind.Runner)]
    public void WhatTheRunnerWrites_TheContractReads_AndBack(LineKind kind)
    {
        var written = new JobLogLine("build (linux)", "Test", "ok: 12 passed \"quoted\" ✓", kind, At);
        var json = JsonSerializer.Serialize(new WorkerMessage(Line: written), JobSpecJsonContext.Default.WorkerMessage);

        var read = StoredLogLine.Read(json);

        Assert.Equal(new StoredLogLine("build (linux)", "Test", "ok: 12 passed \"quoted\" ✓", kind.ToString(), At), read);
        Assert.Equal(written, JobLogLine.FromStored(read!));
        Assert.Contains($"\"kind\":\"{kind}\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void OtherMessages_AreNoLine()
    {
        Assert.Null(StoredLogLine.Read(JsonSerializer.Serialize(new WorkerMessage(JobStarted: "build"), JobSpecJsonContext.Default.WorkerMessage)));
        Assert.Null(StoredLogLine.Read(JsonSerializer.Serialize(new WorkerMessage(StepStarted: "Test"), JobSpecJsonContext.Default.WorkerMessage)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("{\"line\":")]
    [InlineData("[1,2]")]
    [InlineData("null")]
    [InlineData("{\"line\":\"text\"}")]
    [InlineData("{\"line\":{\"job\":\"a\",\"step\":\"b\"}}")]
    [InlineData("{\"line\":{\"job\":\"a\",\"text\":\"t\"}}")]
    [InlineData("{\"line\":{\"job\":\"a\",\"step\":\"b\",\"text\":7}}")]
    [InlineData("{\"line\":{\"job\":\"a\",\"step\":\"b\",\"text\":\"t\",\"at\":\"yesterday\"}}")]
    [InlineData("\u0000\u0001\u00ff")]
    public void Malformed_IsSkipped_NotAnError(string stored) => Assert.Null(StoredLogLine.Read(stored));

    [Fact]
    public void AKindThisRunnerDoesNotKnow_IsShownAsOutput() =>
        Assert.Equal(LineKind.Output, JobLogLine.FromStored(new StoredLogLine("a", "b", "t", "Sparkles", At)).Kind);
}
