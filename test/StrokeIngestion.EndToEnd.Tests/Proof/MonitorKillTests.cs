using StrokeIngestion.Core.Domain;
using StrokeIngestion.Sandbox.Faults;
using StrokeIngestion.Sandbox.Host;
using StrokeIngestion.Sandbox.Proof;
using Xunit.Abstractions;

namespace StrokeIngestion.EndToEnd.Tests.Proof;

/// <summary>
/// The import monitor killed mid-run — Lambda errors, crashes, hangs past its timeout — and the
/// state machine's Retry and Catch paths ending every study in a terminal status anyway.
/// </summary>
[Collection(ProofRuns.Name)]
public sealed class MonitorKillTests(ITestOutputHelper output)
{
    private const string Ready = StudyStatus.ReadyForAnalysis;
    private const string Failed = StudyStatus.ImportFailed;

    [SkippableFact]
    public async Task RunAsync_WhenTheMonitorFailsOrCrashesOftenAtRandom_ShouldEndEveryStudyThroughRetryOrCatch()
    {
        // Arrange: 60% of the monitor's invocations fail: 30% Lambda.ServiceException (retried),
        // 15% crash before the handler runs, 15% crash after it ran (both caught).
        var options = new FaultRunOptions { Uploads = 40, FailedImports = 0, Faults = FaultRunOptions.KillMonitor(0.6, seed: 11) };

        // Act
        var report = await RunAsync(options);

        // Assert
        var findings = report.Findings;
        AssertEveryStudyEnded(report);
        Assert.True(report.Retries.GetValueOrDefault("CheckImportStatus Lambda.ServiceException") > 0);
        Assert.True(report.Catches.GetValueOrDefault("CheckImportStatus " + FaultingLambda.RuntimeExitError) > 0);

        // Caught before the monitor recorded an outcome: the catch path marks the study failed.
        var failed = findings.AcceptedByStatus.GetValueOrDefault(Failed);
        Assert.True(failed > 0);
        Assert.Equal(failed, findings.FailureReasons.GetValueOrDefault("monitor_error"));

        // Caught after it recorded READY: the catch path must not overwrite the outcome (its
        // condition fails, and that is caught), and the READY record it then reads is announced.
        Assert.Empty(findings.ReadyWithoutEvent);
        Assert.Equal(0, findings.StudiesWithSeveralReadyEvents);
        Assert.Equal(failed, findings.ExecutionOutcomes.GetValueOrDefault("FAILED MonitorFailed"));
        Assert.Equal(findings.AcceptedByStatus.GetValueOrDefault(Ready), findings.ExecutionOutcomes.GetValueOrDefault("SUCCEEDED"));
    }

    [SkippableFact]
    public async Task RunAsync_WhenTheMonitorRecordsReadyThenFailsForGood_ShouldStillAnnounceEveryStudyOnce()
    {
        // Arrange: every invocation that records READY_FOR_ANALYSIS dies before answering, and so
        // does every retry for that study: the state machine never sees a ready answer.
        var options = new FaultRunOptions { Uploads = 4, FailedImports = 0, Faults = FaultRunOptions.CrashMonitorWhenReady(seed: 7) };

        // Act
        var report = await RunAsync(options);

        // Assert: MarkMonitorFailed finds the study already READY, ReadStudyOutcome reads it, and
        // PublishStudyReady announces it with the recorded image sets (the audit compares them).
        var findings = report.Findings;
        AssertEveryStudyEnded(report);
        Assert.Equal(4, report.Catches.GetValueOrDefault("CheckImportStatus " + FaultingLambda.RuntimeExitError));
        Assert.Equal(4, report.Catches.GetValueOrDefault("MarkMonitorFailed DynamoDB.ConditionalCheckFailedException"));
        Assert.Equal(4, findings.AcceptedByStatus.GetValueOrDefault(Ready));
        Assert.Equal(4, findings.ExecutionOutcomes.GetValueOrDefault("SUCCEEDED"));
        Assert.Empty(findings.ReadyWithoutEvent);
        Assert.Equal(0, findings.StudiesWithSeveralReadyEvents);
        Assert.True(report.Passed);
    }

    [SkippableFact]
    public async Task RunAsync_WhenTheMonitorCrashesBeforeRecordingAnything_ShouldMarkEveryStudyFailedWithoutAnEvent()
    {
        // Arrange: every invocation dies before the handler runs.
        var options = new FaultRunOptions
        {
            Uploads = 3,
            FailedImports = 0,
            Faults = new SandboxFaults { Monitor = new LambdaFaults { CrashRate = 1 }, Seed = 7 },
        };

        // Act
        var report = await RunAsync(options);

        // Assert: MarkMonitorFailed records the failure itself; the outcome read never runs.
        var findings = report.Findings;
        AssertEveryStudyEnded(report);
        Assert.Equal(3, findings.AcceptedByStatus.GetValueOrDefault(Failed));
        Assert.Equal(3, findings.FailureReasons.GetValueOrDefault("monitor_error"));
        Assert.Equal(3, findings.ExecutionOutcomes.GetValueOrDefault("FAILED MonitorFailed"));
        Assert.Equal(0, report.Catches.GetValueOrDefault("MarkMonitorFailed DynamoDB.ConditionalCheckFailedException"));
        Assert.Empty(findings.ReadyWithoutEvent);
        Assert.Equal(0, findings.AcceptedByStatus.GetValueOrDefault(Ready));
    }

    [SkippableFact]
    public async Task RunAsync_WhenTheMonitorSometimesHangsPastItsTimeout_ShouldRetryEveryStudyToReady()
    {
        // Arrange: 20% of the invocations hang until the function timeout (60 s, scaled to 3 s),
        // which Step Functions reports as Lambda.Unknown. (Seven hangs in a row, which would
        // exhaust the retries, are a 1-in-80,000 event per poll.)
        var options = new FaultRunOptions { Uploads = 24, FailedImports = 0, TimeoutScale = 0.05, Faults = FaultRunOptions.MonitorTimeouts(0.2, seed: 5) };

        // Act
        var report = await RunAsync(options);

        // Assert
        AssertEveryStudyEnded(report);
        Assert.True(report.Retries.GetValueOrDefault("CheckImportStatus Lambda.Unknown") > 0);
        Assert.Empty(report.Catches);
        Assert.Equal(24, report.Findings.AcceptedByStatus.GetValueOrDefault(Ready));
        Assert.Equal(24, report.Findings.ExecutionOutcomes.GetValueOrDefault("SUCCEEDED"));
    }

    [SkippableFact]
    public async Task RunAsync_WhenTheMonitorAlwaysHangs_ShouldCatchAfterTheRetriesAndMarkEveryStudyFailed()
    {
        // Arrange: every invocation hangs until the function timeout (60 s, scaled to 1.2 s).
        var options = new FaultRunOptions { Uploads = 4, FailedImports = 0, TimeoutScale = 0.02, Faults = FaultRunOptions.MonitorTimeouts(1, seed: 5) };

        // Act
        var report = await RunAsync(options);

        // Assert: AwaitImportEnd cannot arm the event wait (six retries, then caught: fall back
        // to polling), then CheckImportStatus retries six times each (the contract's MaxAttempts)
        // and takes the catch path. (On a busy machine the check's own timeout, 1.5x the
        // function's, may occasionally win the race: States.Timeout, retried by the same retrier.)
        AssertEveryStudyEnded(report);
        Assert.Equal(4 * 6, report.Retries.GetValueOrDefault("AwaitImportEnd Lambda.Unknown"));
        Assert.Equal(4, report.Catches.Where(c => c.Key.StartsWith("AwaitImportEnd ", StringComparison.Ordinal)).Sum(c => c.Value));
        Assert.True(report.Retries.GetValueOrDefault("CheckImportStatus Lambda.Unknown") > 0);
        Assert.Equal(4 * 6, report.Retries.Where(r => r.Key.StartsWith("CheckImportStatus ", StringComparison.Ordinal)).Sum(r => r.Value));
        Assert.Equal(4, report.Catches.Where(c => c.Key.StartsWith("CheckImportStatus ", StringComparison.Ordinal)).Sum(c => c.Value));
        Assert.Equal(4, report.Findings.AcceptedByStatus.GetValueOrDefault(Failed));
        Assert.Equal(4, report.Findings.FailureReasons.GetValueOrDefault("monitor_error"));
        Assert.Equal(4, report.Findings.ExecutionOutcomes.GetValueOrDefault("FAILED MonitorFailed"));
    }

    private static void AssertEveryStudyEnded(FaultRunReport report)
    {
        Assert.True(report.Settled, "the pipeline did not settle before the deadline");
        Assert.Equal(report.Uploads, report.Accepted);
        Assert.Empty(report.Findings.Lost);
        Assert.Empty(report.Findings.Inconsistent);
        Assert.Equal(0, report.Findings.Duplicates);
        Assert.Equal(0, report.Findings.ImportingAtEnd);
        Assert.All(report.Findings.AcceptedByStatus.Keys, status => Assert.True(StudyStatus.IsTerminal(status), status));
    }

    private async Task<FaultRunReport> RunAsync(FaultRunOptions options)
    {
        SandboxOptions sandbox = await ProofSandbox.PrepareAsync();
        using var log = new StringWriter();
        try
        {
            var report = await FaultRun.RunAsync(options with { Deadline = TimeSpan.FromMinutes(2) }, sandbox, log, CancellationToken.None);
            report.Print(log);
            return report;
        }
        finally
        {
            output.WriteLine(log.ToString());
            ProofSandbox.Cleanup(sandbox);
        }
    }
}
