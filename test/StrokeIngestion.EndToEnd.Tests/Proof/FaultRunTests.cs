using StrokeIngestion.Core.Domain;
using StrokeIngestion.Sandbox.Proof;
using Xunit.Abstractions;

namespace StrokeIngestion.EndToEnd.Tests.Proof;

/// <summary>
/// The claim, run: with a fifth or more of the calls to every dependency throttled,
/// failed or slowed down, no upload a client was told was accepted is lost, doubled or left
/// half-done.
/// </summary>
[Collection(ProofRuns.Name)]
public sealed class FaultRunTests(ITestOutputHelper output)
{
    [SkippableFact]
    public async Task RunAsync_When200UploadsMeetFaultsOnEveryDependency_ShouldLoseDoubleAndStrandNothing()
    {
        // Arrange: 25% nominal, so that the rate each dependency actually sees stays above 20%.
        var sandbox = await ProofSandbox.PrepareAsync();
        var options = new FaultRunOptions { Uploads = 200, FaultRate = 0.25, FailedImports = 5, Deadline = TimeSpan.FromMinutes(5) };
        using var log = new StringWriter();
        FaultRunReport report;
        try
        {
            // Act
            report = await FaultRun.RunAsync(options, sandbox, log, CancellationToken.None);
            report.Print(log);
        }
        finally
        {
            output.WriteLine(log.ToString());
            ProofSandbox.Cleanup(sandbox);
        }

        // Assert
        var findings = report.Findings;
        Assert.True(report.Settled, "the pipeline did not settle before the deadline");
        Assert.Equal(200, report.Accepted);
        Assert.Empty(findings.Lost);
        Assert.Empty(findings.Inconsistent);
        Assert.Equal(0, findings.KeysWithSeveralStudies);
        Assert.Equal(0, findings.ObjectsWithSeveralRecords);
        Assert.Equal(0, findings.TokensWithSeveralJobs);
        Assert.Equal(0, findings.DuplicateImports);
        Assert.Equal(0, findings.StudiesWithSeveralExecutions);
        Assert.Equal(0, findings.StudiesWithSeveralReadyEvents);
        Assert.Equal(0, findings.JobsWithoutRecord);
        Assert.Equal(0, findings.ExecutionsWithoutRecord);
        Assert.Equal(0, findings.ImportingAtEnd);

        // The queue path under faults: the dispatcher crashed before and after its work, events
        // were lost, and still no job slot is left held once the sweep has run.
        Assert.Equal(0, report.SlotsHeldAtEnd);
        Assert.Contains(report.Dependencies, d => d.Dependency.StartsWith("ImportDispatcher", StringComparison.Ordinal) && d.InjectedErrors > 0);
        Assert.Equal(200, findings.ImportJobsCreated);
        Assert.Equal(200, findings.ExecutionsStarted);
        Assert.Equal(200, findings.AcceptedByStatus.GetValueOrDefault(StudyStatus.ReadyForAnalysis) + findings.AcceptedByStatus.GetValueOrDefault(StudyStatus.ImportFailed));

        // The five imports failed on purpose cannot have ended READY (the audit checks each job).
        Assert.True(findings.AcceptedByStatus.GetValueOrDefault(StudyStatus.ImportFailed) >= 5);

        // Every dependency really saw a fifth of its calls fail.
        foreach (var dependency in report.Dependencies.Where(d => !d.Dependency.StartsWith("HTTP", StringComparison.Ordinal)))
        {
            Assert.True(dependency.ErrorRate >= 0.20, $"{dependency.Dependency}: {dependency.InjectedErrors}/{dependency.Requests} calls failed");
        }

        // The retries that make this hold did happen: clients resent, StartExecution found its
        // earlier start again, the state machine retried the monitor.
        Assert.Contains(report.Results, r => r.Accepted && r.Attempts > 1);
        Assert.True(report.StepFunctionsCounters.IdempotentReplays + report.StepFunctionsCounters.ExecutionAlreadyExistsRejections > 0);
        Assert.True(report.Retries.Values.Sum() > 0);

        // Every READY study is announced, also when the monitor recorded the outcome and its
        // invocation then failed for good (ReadStudyOutcome publishes it from the record).
        Assert.Empty(findings.ReadyWithoutEvent);
        Assert.True(report.Passed);
    }
}
