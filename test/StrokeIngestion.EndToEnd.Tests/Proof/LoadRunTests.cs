using StrokeIngestion.Sandbox.Proof;
using Xunit.Abstractions;

namespace StrokeIngestion.EndToEnd.Tests.Proof;

/// <summary>The load run at a size CI can afford; scripts/load.sh runs it at 500.</summary>
[Collection(ProofRuns.Name)]
public sealed class LoadRunTests(ITestOutputHelper output)
{
    [SkippableFact]
    public async Task RunAsync_When100UploadsArriveAtOnce_ShouldAcceptAndFinishEveryOneAndLoseNone()
    {
        // Arrange
        var sandbox = await ProofSandbox.PrepareAsync();
        using var log = new StringWriter();
        LoadRunReport report;
        try
        {
            // Act
            report = await LoadRun.RunAsync(new LoadRunOptions { Uploads = 100, Deadline = TimeSpan.FromMinutes(2) }, sandbox, log, CancellationToken.None);
            report.Print(log);
        }
        finally
        {
            output.WriteLine(log.ToString());
            ProofSandbox.Cleanup(sandbox);
        }

        // Assert
        Assert.True(report.Settled, "the studies did not all finish before the deadline");
        Assert.Equal(0, report.Lost);
        Assert.Equal(100, report.Accepted);
        Assert.Equal(0, report.Findings.Duplicates);
        Assert.Empty(report.Findings.Inconsistent);
        Assert.Equal(100, report.TimeToReady.Count);
        Assert.InRange(report.PostP50, TimeSpan.FromMilliseconds(1), report.PostP99);
        Assert.InRange(report.ReadyP50, report.PostP50, report.ReadyP99);
        Assert.True(report.Passed);
    }
}
