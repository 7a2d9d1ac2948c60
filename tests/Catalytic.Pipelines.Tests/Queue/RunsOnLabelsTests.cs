using Catalytic.Pipelines.Queue;

namespace Catalytic.Pipelines.Tests.Queue;

/// <summary>The queue's one label rule: a worker has every label a job asks for, and a job asks for every <c>!label</c> of the worker.</summary>
public sealed class RunsOnLabelsTests
{
    [Theory]
    [InlineData("self-hosted,linux", "", true)]
    [InlineData("self-hosted,linux", "linux", true)]
    [InlineData("self-hosted,linux", "LINUX,Self-Hosted", true)] // no regard to case, as GitHub
    [InlineData("self-hosted,linux", "linux,gpu", false)] // a label the worker lacks
    [InlineData("self-hosted,linux,!gpu", "", false)] // a mandatory label the job does not ask for
    [InlineData("self-hosted,linux,!gpu", "linux", false)]
    [InlineData("self-hosted,linux,!gpu", "linux,gpu", true)]
    [InlineData("self-hosted,linux,!GPU", "gpu", true)]
    [InlineData("self-hosted,!gpu,!deploy", "gpu", false)] // every mandatory label must be asked for
    [InlineData("self-hosted,!gpu,!deploy", "gpu,deploy,self-hosted", true)]
    [InlineData("self-hosted,linux", "!linux", false)] // a job asking for a label with '!' asks for that literal name
    public void Satisfies_HasEveryAskedLabel_AndEveryMandatoryOneIsAsked(string worker, string job, bool expected) =>
        Assert.Equal(expected, RunsOnLabels.Satisfies(worker.Split(',', StringSplitOptions.RemoveEmptyEntries), job.Split(',', StringSplitOptions.RemoveEmptyEntries)));

    [Fact]
    public void Embedded_IsWhatARemoteWorkerDeclaresByDefault_AndRunsHostedLinuxJobsOnX64Linux()
    {
        var labels = RunsOnLabels.Embedded();
        Assert.Contains("self-hosted", labels);
        Assert.True(RunsOnLabels.Satisfies(labels, ["self-hosted"]));
        if (OperatingSystem.IsLinux() && System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.X64)
        {
            Assert.True(RunsOnLabels.Satisfies(labels, ["ubuntu-latest"]));
        }
    }
}
