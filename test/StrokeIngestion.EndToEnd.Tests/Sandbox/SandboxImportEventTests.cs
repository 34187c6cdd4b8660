using System.Diagnostics;
using Amazon.DynamoDBv2.Model;
using StrokeIngestion.Sandbox.Faults;
using StrokeIngestion.Sandbox.Host;
using StrokeIngestion.Sandbox.StepFunctions;

namespace StrokeIngestion.EndToEnd.Tests.Sandbox;

/// <summary>
/// The event-driven wait of the synthesized state machine, end to end: HealthImaging's
/// import-ended event wakes <c>AwaitImportEnd</c> through the monitor and the task token; when
/// the event is lost, late, early or doubled the study still ends exactly once, through the
/// await's timeout and the status check when nothing else will do.
/// </summary>
[Collection(SharedSandbox.Name)]
public sealed class SandboxImportEventTests
{
    private const string Await = "AwaitImportEnd";
    private const string Poll = "WaitForImport";

    private readonly SandboxFixture _sandbox;

    public SandboxImportEventTests(SandboxFixture sandbox) => _sandbox = sandbox;

    [SkippableFact]
    public async Task PostUpload_WhenTheImportEventArrives_ShouldWakeTheWorkflowWithoutEverPolling()
    {
        // Arrange
        var host = _sandbox.Host;
        var before = host.StepFunctions.TaskTokens.Counters;

        // Act
        var (record, execution) = await UploadAsync("event-wakes", "EVENT-PATIENT-0001");

        // Assert
        Assert.Equal("READY_FOR_ANALYSIS", SandboxFixture.Text(record, "status"));
        Assert.Equal(ExecutionStatus.Succeeded, execution.Status);
        Assert.Equal(Await, execution.VisitedStates[0]);
        Assert.DoesNotContain(Poll, execution.VisitedStates);
        Assert.True(execution.StateTransitions <= 6, $"{execution.StateTransitions} transitions: {string.Join(" → ", execution.VisitedStates)}");
        Assert.Equal("COMPLETED", SandboxFixture.Text(record, "import_event_status"));
        var after = host.StepFunctions.TaskTokens.Counters;
        var studyId = SandboxFixture.Text(record, "study_id");
        var log = string.Join('\n', File.ReadAllLines(host.LambdaLogPath).Where(l => l.Contains(studyId, StringComparison.Ordinal)));
        Assert.True(after.Succeeded - before.Succeeded == 1, $"{before} → {after}\n{log}\n{host.ImportEvents.Counts}");
        Assert.Equal(0, after.TimedOut - before.TimedOut);
    }

    [SkippableFact]
    public async Task PostUpload_WhenEveryImportEventIsLost_ShouldStillReachReadyThroughTheTimeoutAndTheStatusCheck()
    {
        // Arrange: 600 s × the sandbox's time scale is a few seconds of waiting for nothing.
        var host = _sandbox.Host;
        var before = host.StepFunctions.TaskTokens.Counters;
        var timeoutCatches = Catches(host, "States.Timeout");
        host.ImportEvents.Faults = ImportEventFaults.DropAll;
        Dictionary<string, AttributeValue> record;
        ExecutionSnapshot execution;
        try
        {
            // Act
            (record, execution) = await UploadAsync("event-lost", "EVENT-PATIENT-0002");
        }
        finally
        {
            host.ImportEvents.Faults = ImportEventFaults.None;
        }

        // Assert
        Assert.Equal("READY_FOR_ANALYSIS", SandboxFixture.Text(record, "status"));
        Assert.Equal(ExecutionStatus.Succeeded, execution.Status);
        Assert.Equal([Await, "CheckImportStatus"], execution.VisitedStates.Take(2));
        Assert.False(record.ContainsKey("import_event_status"));
        Assert.Equal(1, host.StepFunctions.TaskTokens.Counters.TimedOut - before.TimedOut);
        Assert.Equal(1, Catches(host, "States.Timeout") - timeoutCatches);
    }

    [SkippableFact]
    public async Task PostUpload_WhenTheImportEndsBeforeTheWorkflowArms_ShouldResumeAtOnceWithoutWaitingForTheTimeout()
    {
        // Arrange: every invocation of the monitor by the state machine starts 2 s late, so the
        // import (0.6 s) has ended and its event been recorded before AwaitImportEnd stores its token.
        var host = _sandbox.Host;
        var before = host.StepFunctions.TaskTokens.Counters;
        var lateBy = TimeSpan.FromSeconds(2);
        host.Monitor.Faults = new LambdaFaults { LatencyRate = 1, MinLatency = lateBy, MaxLatency = lateBy };
        Dictionary<string, AttributeValue> record;
        ExecutionSnapshot execution;
        var clock = Stopwatch.StartNew();
        try
        {
            // Act
            (record, execution) = await UploadAsync("event-early", "EVENT-PATIENT-0003");
        }
        finally
        {
            host.Monitor.Faults = LambdaFaults.None;
        }

        // Assert: two late invocations (arm, check), well short of the await's timeout.
        Assert.Equal("READY_FOR_ANALYSIS", SandboxFixture.Text(record, "status"));
        Assert.DoesNotContain(Poll, execution.VisitedStates);
        Assert.Equal("COMPLETED", SandboxFixture.Text(record, "import_event_status"));
        var after = host.StepFunctions.TaskTokens.Counters;
        Assert.Equal(1, after.Succeeded - before.Succeeded);
        Assert.Equal(0, after.TimedOut - before.TimedOut);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(600 * TestSandboxTimeScale), $"took {clock.Elapsed}");
    }

    [SkippableFact]
    public async Task PostUpload_WhenEveryImportEventIsDeliveredTwice_ShouldEndReadyOnceAndRefuseTheSecondWakeUp()
    {
        // Arrange
        var host = _sandbox.Host;
        var tokensBefore = host.StepFunctions.TaskTokens.Counters;
        var eventsBefore = host.ImportEvents.Counts;
        host.ImportEvents.Faults = new ImportEventFaults { DuplicateRate = 1 };
        Dictionary<string, AttributeValue> record;
        ExecutionSnapshot execution;
        try
        {
            // Act
            (record, execution) = await UploadAsync("event-twice", "EVENT-PATIENT-0004");
            await host.ImportEvents.DrainAsync();
        }
        finally
        {
            host.ImportEvents.Faults = ImportEventFaults.None;
        }

        // Assert
        Assert.Equal("READY_FOR_ANALYSIS", SandboxFixture.Text(record, "status"));
        Assert.Equal(ExecutionStatus.Succeeded, execution.Status);
        Assert.DoesNotContain(Poll, execution.VisitedStates);
        Assert.Single(host.StepFunctions.Executions(), e => e.Name == execution.Name);
        var events = host.ImportEvents.Counts;
        Assert.Equal(2, events.Delivered - eventsBefore.Delivered);
        Assert.Equal(0, events.DeadLettered - eventsBefore.DeadLettered);
        var tokens = host.StepFunctions.TaskTokens.Counters;
        Assert.Equal(1, tokens.Succeeded - tokensBefore.Succeeded);

        // The second wake-up finds the task resumed (TaskTimedOut, ignored by the monitor), unless
        // both events came before the workflow armed and neither found a token.
        Assert.InRange(tokens.RejectedCalls - tokensBefore.RejectedCalls, 0, 1);
    }

    private const double TestSandboxTimeScale = Support.TestSandbox.TimeScale;

    private static long Catches(SandboxHost host, string error) =>
        host.StepFunctions.ErrorHandling.Catches.GetValueOrDefault($"{Await} {error}");

    private async Task<(Dictionary<string, AttributeValue> Record, ExecutionSnapshot Execution)> UploadAsync(string name, string patientId)
    {
        var study = SandboxFixture.NewStudy("CT", patientId);
        var key = SandboxFixture.NewFolder(name) + "head.dcm";
        _sandbox.RecordPhi(patientId, key);
        await _sandbox.PutObjectAsync(key, study.Files[0]);
        var studyId = await _sandbox.PostAcceptedAsync(patientId, key);
        var record = await _sandbox.WaitForTerminalStudyAsync(studyId);
        var execution = await _sandbox.WaitForExecutionAsync(SandboxFixture.Text(record, "execution_arn"));
        return (record, execution);
    }
}
