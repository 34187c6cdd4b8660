using StrokeIngestion.Sandbox.Proof;

namespace StrokeIngestion.EndToEnd.Tests.Proof;

/// <summary>The load report's verdict: every outcome a user calls a failure fails it, not only a lost study.</summary>
public sealed class LoadRunReportTests
{
    [Fact]
    public void Passed_WhenEveryUploadIsAcceptedAndFinishes_ShouldPass()
    {
        Assert.True(Report([Answer(0, 202), Answer(1, 202)], settled: true).Passed);
    }

    [Theory]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(503)]
    public void Passed_WhenOneValidUploadIsRefusedAndNothingIsLost_ShouldFail(int status)
    {
        var report = Report([Answer(0, 202), Answer(1, status)], settled: true);

        Assert.Equal(0, report.Lost);
        Assert.False(report.Passed);
    }

    [Fact]
    public void Passed_WhenTheDeadlineCameBeforeEverythingSettled_ShouldFail()
    {
        Assert.False(Report([Answer(0, 202)], settled: false).Passed);
    }

    private static UploadResult Answer(int index, int status)
    {
        var study = new ProofStudy(index, $"uploads/load/{index}.dcm", $"LOAD-{index}", "CT", $"key-{index}", $"1.2.3.{index}", [$"1.2.3.{index}.1"], [$"1.2.3.{index}.1.1"]);
        var accepted = status is 200 or 202;
        return new UploadResult(
            study,
            status,
            accepted ? null : "dependency_unavailable",
            accepted ? $"STUDY-{index:D12}" : null,
            accepted ? [$"STUDY-{index:D12}"] : [],
            [status],
            DateTimeOffset.UnixEpoch,
            TimeSpan.FromMilliseconds(100));
    }

    private static LoadRunReport Report(IReadOnlyList<UploadResult> results, bool settled) => new()
    {
        Options = new LoadRunOptions { Uploads = results.Count },
        Results = results,
        Findings = new PipelineFindings
        {
            Accepted = results.Count(r => r.Accepted),
            AcceptedByStatus = new Dictionary<string, int> { ["READY_FOR_ANALYSIS"] = results.Count(r => r.Accepted) },
            FailureReasons = new Dictionary<string, int>(),
            Lost = [],
            Inconsistent = [],
            KeysWithSeveralStudies = 0,
            ObjectsWithSeveralRecords = 0,
            TokensWithSeveralJobs = 0,
            DuplicateImports = 0,
            JobsWithoutRecord = 0,
            StudiesWithSeveralExecutions = 0,
            ExecutionsWithoutRecord = 0,
            ExecutionsStarted = results.Count(r => r.Accepted),
            ImportJobsCreated = results.Count(r => r.Accepted),
            ImportingAtEnd = 0,
            ImportingWithNothingBehind = 0,
            UnacceptedRecordsByStatus = new Dictionary<string, int>(),
            ExecutionOutcomes = new Dictionary<string, int>(),
            FailedButImported = [],
            ReadyWithoutEvent = [],
            StudiesWithSeveralReadyEvents = 0,
        },
        TimeToReady = [TimeSpan.FromSeconds(1)],
        TransitionsPerStudy = [6],
        Settled = settled,
        Elapsed = TimeSpan.FromSeconds(10),
    };
}
