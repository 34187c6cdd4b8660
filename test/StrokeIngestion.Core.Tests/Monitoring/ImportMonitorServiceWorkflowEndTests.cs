using Moq;
using StrokeIngestion.Core.Tests.Fakes;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Errors;
using StrokeIngestion.Core.Monitoring;
using StrokeIngestion.Core.Observability;
using StrokeIngestion.Core.Ports;
using StrokeIngestion.Core.Tests.Monitoring.Support;

namespace StrokeIngestion.Core.Tests.Monitoring;

/// <summary>The backstop path: an execution ended TIMED_OUT, ABORTED or FAILED.</summary>
public sealed class ImportMonitorServiceWorkflowEndTests
{
    private static readonly string ExecutionName = "stroke-analysis-" + MonitorScenario.Study.Value;

    private readonly MonitorScenario _scenario = new();

    [Theory]
    [InlineData("TIMED_OUT", StudyStatus.ImportTimedOut, FailureReasons.WorkflowTimedOut)]
    [InlineData("ABORTED", StudyStatus.ImportFailed, FailureReasons.WorkflowAborted)]
    [InlineData("FAILED", StudyStatus.ImportFailed, FailureReasons.WorkflowFailed)]
    public async Task RecordWorkflowEndAsync_WhenStudyIsStillImporting_ShouldMarkItFailedWithTheWorkflowReason(string executionStatus, string expectedStatus, string expectedReason)
    {
        _scenario.Time.Advance(TimeSpan.FromSeconds(5));

        var outcome = await _scenario.Service.RecordWorkflowEndAsync(ExecutionName, executionStatus, CancellationToken.None);

        Assert.Equal(MonitorScenario.Study, outcome.StudyId);
        Assert.Equal(expectedStatus, outcome.Status);
        Assert.True(outcome.Done);
        var record = _scenario.Record;
        Assert.Equal(expectedStatus, record.Status);
        Assert.Equal(expectedReason, record.FailureReason);
        Assert.NotNull(record.FailureMessage);
        Assert.Equal("2026-11-25T12:00:05.000Z", record.UpdatedAt);
        _scenario.Imports.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task RecordWorkflowEndAsync_WhenStudyIsStillReceived_ShouldMarkItToo()
    {
        _scenario.Studies.Put(MonitorScenario.NewStudy(StudyStatus.Received));

        var outcome = await _scenario.Service.RecordWorkflowEndAsync(ExecutionName, "ABORTED", CancellationToken.None);

        Assert.Equal(StudyStatus.ImportFailed, outcome.Status);
        Assert.Equal(FailureReasons.WorkflowAborted, _scenario.Record.FailureReason);
    }

    [Theory]
    [InlineData(StudyStatus.ReadyForAnalysis)]
    [InlineData(StudyStatus.ImportFailed)]
    [InlineData(StudyStatus.ImportTimedOut)]
    public async Task RecordWorkflowEndAsync_WhenStudyIsAlreadyTerminal_ShouldReportItAndChangeNothing(string status)
    {
        var terminal = MonitorScenario.NewStudy(status) with { FailureReason = FailureReasons.MonitorError };
        _scenario.Studies.Put(terminal);

        var outcome = await _scenario.Service.RecordWorkflowEndAsync(ExecutionName, "FAILED", CancellationToken.None);

        Assert.Equal(status, outcome.Status);
        Assert.True(outcome.Done);
        Assert.Equal(terminal, _scenario.Record);
    }

    [Fact]
    public async Task RecordWorkflowEndAsync_WhenStudyDoesNotExist_ShouldReportFailedWithoutWriting()
    {
        var otherStudy = StudyId.FromScope("never-uploaded");

        var outcome = await _scenario.Service.RecordWorkflowEndAsync("stroke-analysis-" + otherStudy.Value, "TIMED_OUT", CancellationToken.None);

        Assert.Equal(otherStudy, outcome.StudyId);
        Assert.Equal(StudyStatus.ImportFailed, outcome.Status);
        Assert.Null(_scenario.Studies.Find(otherStudy));
        Assert.Empty(_scenario.Studies.AppliedUpdates);
    }

    [Theory]
    [InlineData("")]
    [InlineData("stroke-analysis-")]
    [InlineData("stroke-analysis-STUDY-XYZ")]
    [InlineData("stroke-analysis-STUDY-0123456789AB")]
    [InlineData("other-workflow-STUDY-0123456789ab")]
    [InlineData("stroke-analysis-STUDY-0123456789ab-2")]
    public async Task RecordWorkflowEndAsync_WhenExecutionNameIsNotOurs_ShouldThrowInvalidInput(string executionName)
    {
        await Assert.ThrowsAsync<InvalidMonitorInputException>(() => _scenario.Service.RecordWorkflowEndAsync(executionName, "FAILED", CancellationToken.None));

        Assert.Empty(_scenario.Studies.AppliedUpdates);
    }

    [Theory]
    [InlineData("SUCCEEDED")]
    [InlineData("RUNNING")]
    [InlineData("timed_out")]
    [InlineData("")]
    public async Task RecordWorkflowEndAsync_WhenStatusIsNotAnAbnormalEnd_ShouldThrowInvalidInput(string executionStatus)
    {
        await Assert.ThrowsAsync<InvalidMonitorInputException>(() => _scenario.Service.RecordWorkflowEndAsync(ExecutionName, executionStatus, CancellationToken.None));

        Assert.Equal(StudyStatus.Importing, _scenario.Record.Status);
    }

    [Fact]
    public async Task RecordWorkflowEndAsync_WhenTheStoreFailsTransiently_ShouldLetTheSameExceptionThrough()
    {
        var failure = new TransientDependencyException(Dependency.DynamoDb, "InternalServerError", "try again", throttled: false);
        var studies = new Mock<IStudyStore>();
        studies.Setup(store => store.TryUpdateAsync(It.IsAny<StudyId>(), It.IsAny<StudyUpdate>(), It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(failure);
        var service = new ImportMonitorService(
            Mock.Of<IImportService>(),
            Mock.Of<IObjectStore>(),
            studies.Object,
            TimeProvider.System,
            new StructuredLog(TextWriter.Null, TimeProvider.System));

        var thrown = await Assert.ThrowsAsync<TransientDependencyException>(() => service.RecordWorkflowEndAsync(ExecutionName, "TIMED_OUT", CancellationToken.None));

        Assert.Same(failure, thrown);
    }

    [Fact]
    public async Task RecordWorkflowEndAsync_WhenUpdating_ShouldOnlyAllowMonitorableStatuses()
    {
        var studies = new Mock<IStudyStore>();
        IReadOnlyCollection<string>? expected = null;
        studies.Setup(store => store.TryUpdateAsync(MonitorScenario.Study, It.IsAny<StudyUpdate>(), It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>()))
            .Callback<StudyId, StudyUpdate, IReadOnlyCollection<string>, CancellationToken>((_, _, statuses, _) => expected = statuses)
            .ReturnsAsync(true);
        var service = new ImportMonitorService(
            Mock.Of<IImportService>(),
            Mock.Of<IObjectStore>(),
            studies.Object,
            TimeProvider.System,
            new StructuredLog(TextWriter.Null, TimeProvider.System));

        await service.RecordWorkflowEndAsync(ExecutionName, "TIMED_OUT", CancellationToken.None);

        Assert.NotNull(expected);
        Assert.Equal([StudyStatus.Importing, StudyStatus.Queued, StudyStatus.Received, StudyStatus.UploadFailed], expected.Order(StringComparer.Ordinal));
    }
}
