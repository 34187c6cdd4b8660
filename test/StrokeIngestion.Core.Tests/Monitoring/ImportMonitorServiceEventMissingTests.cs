using Moq;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Monitoring;
using StrokeIngestion.Core.Ports;
using StrokeIngestion.Core.Tests.Monitoring.Support;

namespace StrokeIngestion.Core.Tests.Monitoring;

/// <summary>
/// <see cref="ImportPollOutcome.ImportEventMissing"/>: the signal behind the
/// import-events-missing alarm, so false positives page someone and false negatives hide
/// a broken event rule.
/// </summary>
public sealed class ImportMonitorServiceEventMissingTests
{
    private readonly MonitorScenario _scenario = new();

    [Theory]
    [InlineData(ImportJobStatus.Completed)]
    [InlineData(ImportJobStatus.Failed)]
    public async Task PollAsync_WhenJobEndedAndNoImportEventWasRecorded_ShouldReportTheEventMissing(string jobStatus)
    {
        GivenEndedJob(jobStatus);

        var outcome = await _scenario.Service.PollAsync(MonitorScenario.Request(), CancellationToken.None);

        Assert.True(outcome.Done);
        Assert.True(outcome.ImportEventMissing);
    }

    [Theory]
    [InlineData(ImportJobStatus.Completed)]
    [InlineData(ImportJobStatus.Failed)]
    public async Task PollAsync_WhenJobEndedAndTheImportEventWasRecorded_ShouldNotReportTheEventMissing(string jobStatus)
    {
        _scenario.Studies.Put(MonitorScenario.NewStudy() with
        {
            ImportEventStatus = jobStatus,
            ImportEventAt = "2026-11-25T11:59:58.000Z",
        });
        GivenEndedJob(jobStatus);

        var outcome = await _scenario.Service.PollAsync(MonitorScenario.Request(), CancellationToken.None);

        Assert.True(outcome.Done);
        Assert.False(outcome.ImportEventMissing);
    }

    [Theory]
    [InlineData(ImportJobStatus.Submitted)]
    [InlineData(ImportJobStatus.InProgress)]
    public async Task PollAsync_WhenJobIsStillRunning_ShouldNotReportTheEventMissing(string jobStatus)
    {
        _scenario.GivenJob(jobStatus);

        var outcome = await _scenario.Service.PollAsync(MonitorScenario.Request(attempt: 30), CancellationToken.None);

        Assert.False(outcome.Done);
        Assert.False(outcome.ImportEventMissing);
    }

    [Fact]
    public async Task PollAsync_WhenHealthImagingDoesNotKnowTheJob_ShouldNotReportTheEventMissing()
    {
        // No job, no event to expect: that failure has its own reason, not this alarm.
        _scenario.Imports
            .Setup(imports => imports.GetImportJobAsync(MonitorScenario.DatastoreId, MonitorScenario.JobId, It.IsAny<CancellationToken>()))
            .ReturnsAsync((ImportJob?)null);

        var outcome = await _scenario.Service.PollAsync(MonitorScenario.Request(), CancellationToken.None);

        Assert.Equal(FailureReasons.ImportJobNotFound, outcome.FailureReason);
        Assert.False(outcome.ImportEventMissing);
    }

    [Theory]
    [InlineData(StudyStatus.ReadyForAnalysis)]
    [InlineData(StudyStatus.ImportFailed)]
    [InlineData(StudyStatus.ImportTimedOut)]
    public async Task PollAsync_WhenStudyIsAlreadyTerminal_ShouldNotReportTheEventMissing(string status)
    {
        // A retried or repeated poll after the end: the study was counted (or not) when it ended.
        _scenario.Studies.Put(MonitorScenario.NewStudy(status) with { ImportStatus = ImportJobStatus.Completed });

        var outcome = await _scenario.Service.PollAsync(MonitorScenario.Request(), CancellationToken.None);

        Assert.True(outcome.Done);
        Assert.False(outcome.ImportEventMissing);
    }

    [Fact]
    public async Task PollAsync_WhenTheSameEndingPollIsRepeated_ShouldReportTheEventMissingOnce()
    {
        GivenEndedJob(ImportJobStatus.Completed);

        var first = await _scenario.Service.PollAsync(MonitorScenario.Request(attempt: 3), CancellationToken.None);
        var repeated = await _scenario.Service.PollAsync(MonitorScenario.Request(attempt: 3), CancellationToken.None);

        Assert.True(first.ImportEventMissing);
        Assert.False(repeated.ImportEventMissing);
    }

    [Fact]
    public async Task PollAsync_WhenAnotherWriterEndsTheStudyFirst_ShouldNotReportTheEventMissing()
    {
        GivenEndedJob(ImportJobStatus.Completed);
        _scenario.Studies.BeforeUpdate = store => store.Put(MonitorScenario.NewStudy(StudyStatus.ImportTimedOut));

        var outcome = await _scenario.Service.PollAsync(MonitorScenario.Request(), CancellationToken.None);

        Assert.Equal(StudyStatus.ImportTimedOut, outcome.Status);
        Assert.False(outcome.ImportEventMissing);
    }

    [Fact]
    public async Task PollAsync_WhenStudyIsMissing_ShouldNotReportTheEventMissing()
    {
        GivenEndedJob(ImportJobStatus.Completed);
        var unknown = new ImportPollRequest(StudyId.FromScope("no-such-study"), MonitorScenario.DatastoreId, MonitorScenario.JobId, 0);

        var outcome = await _scenario.Service.PollAsync(unknown, CancellationToken.None);

        Assert.Equal(FailureReasons.StudyNotFound, outcome.FailureReason);
        Assert.False(outcome.ImportEventMissing);
    }

    private void GivenEndedJob(string jobStatus)
    {
        _scenario.GivenJob(jobStatus, message: jobStatus == ImportJobStatus.Failed ? "failed" : null, endedAt: MonitorScenario.Start.AddSeconds(-20));
        _scenario.GivenManifest(new ManifestBuilder().WithFiles(scanned: 3, imported: 3).WithImageSet("imgset0001", matchedInstances: 3));
    }
}
