using StrokeIngestion.Core.Admission;
using StrokeIngestion.Sandbox.Proof;
using Xunit.Abstractions;

namespace StrokeIngestion.EndToEnd.Tests.Proof;

/// <summary>The load run at a size CI can afford; scripts/load.sh runs the 500 over 60 s.</summary>
[Collection(ProofRuns.Name)]
public sealed class LoadRunTests(ITestOutputHelper output)
{
    // 100 uploads over 20 s of stack time (10 s real at the load run's time scale 0.5): five
    // times what HealthImaging's 1 TPS starts in that window, so most studies are queued.
    private static readonly LoadRunOptions Load = new() { Uploads = UploadCount, Over = TimeSpan.FromSeconds(20), Deadline = TimeSpan.FromMinutes(2) };

    private const int UploadCount = 100;

    [SkippableFact]
    public async Task RunAsync_WhenUploadsArriveOverAWindowUnderTheQuotas_ShouldAcceptAndFinishEveryOneAndLoseNone()
    {
        // Arrange
        var sandbox = await ProofSandbox.PrepareAsync();
        using var log = new StringWriter();
        LoadRunReport report;
        try
        {
            // Act
            report = await LoadRun.RunAsync(Load, sandbox, log, CancellationToken.None);
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
        Assert.Equal(UploadCount, report.Accepted);
        Assert.Equal(0, report.Findings.Duplicates);
        Assert.Empty(report.Findings.Inconsistent);
        Assert.Equal(UploadCount / 10, report.TimeToImportStart(StudyPriority.Urgent).Count);
        Assert.Equal(UploadCount - (UploadCount / 10), report.TimeToReady(StudyPriority.Routine).Count);
        Assert.Equal(Load.IdleUploads, report.IdleTimeToImportStart.Count);
        Assert.Equal(UploadCount + Load.IdleUploads, report.ImportJobsCreated);
        Assert.Equal(1.0, report.CopiesPerFile);
        Assert.True(report.Passed, string.Join("; ", report.Failures));
    }
}
