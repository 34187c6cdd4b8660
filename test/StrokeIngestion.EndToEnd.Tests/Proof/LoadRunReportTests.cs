using StrokeIngestion.Core.Admission;
using StrokeIngestion.Sandbox.Proof;

namespace StrokeIngestion.EndToEnd.Tests.Proof;

/// <summary>The load report's verdict and figures: every outcome a user calls a failure fails it, not only a lost study.</summary>
public sealed class LoadRunReportTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.UnixEpoch;

    [Fact]
    public void Passed_WhenEveryUploadIsAcceptedAndFinishesAndUrgentStartsAsWhenIdle_ShouldPass()
    {
        var report = Clean();

        Assert.Empty(report.Failures);
        Assert.True(report.Passed);
    }

    [Theory]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(503)]
    public void Passed_WhenOneValidUploadIsRefusedAndNothingIsLost_ShouldFail(int status)
    {
        var report = Clean() with { Results = [Answer(0, StudyPriority.Urgent, 202), Answer(1, StudyPriority.Routine, status)] };

        Assert.Equal(0, report.Lost);
        Assert.Equal(1, report.Refused);
        Assert.False(report.Passed);
        Assert.Contains(report.Failures, f => f.Contains("refused", StringComparison.Ordinal));
    }

    [Fact]
    public void Passed_WhenABaselineUploadIsRefused_ShouldFail()
    {
        var report = Clean() with { Baseline = [Answer(100, StudyPriority.Urgent, 202), Answer(101, StudyPriority.Urgent, 503)] };

        Assert.False(report.Passed);
        Assert.Contains(report.Failures, f => f.Contains("refused", StringComparison.Ordinal));
    }

    [Fact]
    public void Passed_WhenAnAcceptedStudyIsLost_ShouldFail()
    {
        var report = Clean() with { Findings = Findings(2) with { Lost = ["STUDY-000000000001: accepted, no record"] } };

        Assert.False(report.Passed);
        Assert.Contains(report.Failures, f => f.Contains("lost", StringComparison.Ordinal));
    }

    [Fact]
    public void Passed_WhenAStudyHasTwoHealthImagingJobs_ShouldFail()
    {
        var report = Clean() with { Findings = Findings(2) with { TokensWithSeveralJobs = 1 } };

        Assert.False(report.Passed);
        Assert.Contains(report.Failures, f => f.Contains("duplicate", StringComparison.Ordinal));
    }

    [Fact]
    public void Passed_WhenTheDeadlineCameBeforeEverythingSettled_ShouldFail()
    {
        var report = Clean() with { Settled = false };

        Assert.False(report.Passed);
        Assert.Contains(report.Failures, f => f.Contains("deadline", StringComparison.Ordinal));
    }

    [Fact]
    public void Passed_WhenUrgentImportStartP99ExceedsTheIdleP99ByMoreThan5Seconds_ShouldFail()
    {
        // Idle p99 1 s: the limit is 6 s; the urgent upload under load started after 6.5 s.
        var report = Clean() with { ImportStarts = Starts(idle: 1, urgent: 6.5, routine: 60) };

        Assert.Equal(TimeSpan.FromSeconds(6), report.UrgentStartLimit);
        Assert.False(report.Passed);
        Assert.Contains(report.Failures, f => f.Contains("urgent time to import start", StringComparison.Ordinal));
    }

    [Fact]
    public void Passed_WhenOnlyRoutineImportsWaitLong_ShouldPass()
    {
        var report = Clean() with { ImportStarts = Starts(idle: 1, urgent: 5.9, routine: 300) };

        Assert.True(report.Passed);
    }

    [Fact]
    public void Figures_WhenCalled_ShouldMeasureFromTheFirstPostPerPriorityAndCountCopiesPerAcceptedFile()
    {
        var report = Clean() with { ImportStartCalls = 3, ImportJobsCreated = 2, CopyObjectCalls = 6 };

        Assert.Equal([TimeSpan.FromSeconds(2)], report.TimeToImportStart(StudyPriority.Urgent));
        Assert.Equal([TimeSpan.FromSeconds(30)], report.TimeToImportStart(StudyPriority.Routine));
        Assert.Equal([TimeSpan.FromSeconds(12)], report.TimeToReady(StudyPriority.Urgent));
        Assert.Equal([TimeSpan.FromSeconds(1)], report.IdleTimeToImportStart);
        Assert.Equal(1.5, report.StartCallsPerJob);
        Assert.Equal(2.0, report.CopiesPerFile); // 3 accepted single-file studies (2 load, 1 baseline)
    }

    [Fact]
    public void Print_WhenTheRunFailed_ShouldSayWhyOnTheResultLine()
    {
        using var output = new StringWriter();

        (Clean() with { Settled = false }).Print(output);

        Assert.Contains("RESULT: FAIL — not every study was terminal by the deadline.", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("StartDICOMImportJob calls per job:", output.ToString(), StringComparison.Ordinal);
        Assert.Contains("copies per file:", output.ToString(), StringComparison.Ordinal);
    }

    /// <summary>One urgent and one routine upload and one idle baseline upload, all accepted and READY; urgent starts 2 s after its POST, idle 1 s.</summary>
    private static LoadRunReport Clean() => new()
    {
        Options = new LoadRunOptions { Uploads = 2 },
        Baseline = [Answer(100, StudyPriority.Urgent, 202)],
        Results = [Answer(0, StudyPriority.Urgent, 202), Answer(1, StudyPriority.Routine, 202)],
        Findings = Findings(3),
        ImportStarts = Starts(idle: 1, urgent: 2, routine: 30),
        ReadyAts = new Dictionary<string, DateTimeOffset>
        {
            [StudyId(0)] = T0.AddSeconds(12),
            [StudyId(1)] = T0.AddSeconds(40),
            [StudyId(100)] = T0.AddSeconds(11),
        },
        ImportStartCalls = 3,
        ImportJobsCreated = 3,
        CopyObjectCalls = 3,
        TransitionsPerStudy = [5, 5, 5],
        Settled = true,
        Elapsed = TimeSpan.FromSeconds(60),
    };

    private static Dictionary<string, DateTimeOffset> Starts(double idle, double urgent, double routine) => new()
    {
        [StudyId(100)] = T0.AddSeconds(idle),
        [StudyId(0)] = T0.AddSeconds(urgent),
        [StudyId(1)] = T0.AddSeconds(routine),
    };

    private static string StudyId(int index) => $"STUDY-{index:D12}";

    private static UploadResult Answer(int index, StudyPriority priority, int status)
    {
        var study = new ProofStudy(index, $"uploads/load/{index}.dcm", $"LOAD-{index}", "CT", $"key-{index}", $"1.2.3.{index}", [$"1.2.3.{index}.1"], [$"1.2.3.{index}.1.1"])
        {
            Priority = priority.ToWire(),
        };
        var accepted = status is 200 or 202;
        return new UploadResult(
            study,
            status,
            accepted ? null : "dependency_throttled",
            accepted ? StudyId(index) : null,
            accepted ? [StudyId(index)] : [],
            [status],
            T0,
            TimeSpan.FromMilliseconds(100));
    }

    private static PipelineFindings Findings(int accepted) => new()
    {
        Accepted = accepted,
        AcceptedByStatus = new Dictionary<string, int> { ["READY_FOR_ANALYSIS"] = accepted },
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
        ExecutionsStarted = accepted,
        ImportJobsCreated = accepted,
        ImportingAtEnd = 0,
        ImportingWithNothingBehind = 0,
        UnacceptedRecordsByStatus = new Dictionary<string, int>(),
        ExecutionOutcomes = new Dictionary<string, int>(),
        FailedButImported = [],
        ReadyWithoutEvent = [],
        StudiesWithSeveralReadyEvents = 0,
    };
}
