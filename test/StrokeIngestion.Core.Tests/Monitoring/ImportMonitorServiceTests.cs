using Moq;
using StrokeIngestion.Core.Tests.Fakes;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Errors;
using StrokeIngestion.Core.Monitoring;
using StrokeIngestion.Core.Observability;
using StrokeIngestion.Core.Ports;
using StrokeIngestion.Core.Tests.Monitoring.Support;

namespace StrokeIngestion.Core.Tests.Monitoring;

public sealed class ImportMonitorServiceTests
{
    private const string SeededFileName = "uploads/batch-17/PAT-SEEDED-4711_head.dcm";
    private const string SeededMessage = "PatientName SMITH^JOHN in PAT-SEEDED-4711_head.dcm has an unsupported transfer syntax";

    private readonly MonitorScenario _scenario = new();

    [Theory]
    [InlineData(ImportJobStatus.Submitted)]
    [InlineData(ImportJobStatus.InProgress)]
    public async Task PollAsync_WhenJobIsStillRunning_ShouldRecordProgressAndKeepPolling(string jobStatus)
    {
        _scenario.GivenJob(jobStatus);

        var outcome = await _scenario.Service.PollAsync(MonitorScenario.Request(attempt: 4), CancellationToken.None);

        Assert.False(outcome.Done);
        Assert.Equal(5, outcome.Attempt);
        Assert.Equal(jobStatus, outcome.ImportStatus);
        Assert.Equal(StudyStatus.Importing, outcome.Status);
        Assert.Empty(outcome.ImageSetIds);
        Assert.Null(outcome.FailureReason);
        var record = _scenario.Record;
        Assert.Equal(jobStatus, record.ImportStatus);
        Assert.Equal(5, record.PollCount);
        Assert.Equal("2026-11-25T12:00:00.000Z", record.UpdatedAt);
        Assert.Equal(StudyStatus.Importing, record.Status);
        Assert.Empty(_scenario.Objects.Reads);
    }

    [Fact]
    public async Task PollAsync_WhenTheSamePollIsRetried_ShouldWriteTheSamePollCount()
    {
        _scenario.GivenJob(ImportJobStatus.InProgress);

        await _scenario.Service.PollAsync(MonitorScenario.Request(attempt: 7), CancellationToken.None);
        await _scenario.Service.PollAsync(MonitorScenario.Request(attempt: 7), CancellationToken.None);

        Assert.Equal(8, _scenario.Record.PollCount);
    }

    [Fact]
    public async Task PollAsync_WhenStudyIsStillReceived_ShouldMoveItToImporting()
    {
        _scenario.Studies.Put(MonitorScenario.NewStudy(StudyStatus.Received));
        _scenario.GivenJob(ImportJobStatus.InProgress);

        var outcome = await _scenario.Service.PollAsync(MonitorScenario.Request(), CancellationToken.None);

        Assert.False(outcome.Done);
        Assert.Equal(StudyStatus.Importing, _scenario.Record.Status);
    }

    [Fact]
    public async Task PollAsync_WhenUploadHandlersFinalWriteHasNotLanded_ShouldRecordTheImportJobId()
    {
        // The record as the upload handler's first write leaves it: no job id yet.
        _scenario.Studies.Put(MonitorScenario.NewStudy(StudyStatus.Received) with { ImportJobId = null, ImportStatus = null });
        _scenario.GivenJob(ImportJobStatus.Completed, endedAt: MonitorScenario.Start.AddSeconds(-20));
        _scenario.GivenManifest(new ManifestBuilder().WithFiles(scanned: 3, imported: 3).WithImageSet("imgset0001", matchedInstances: 3));

        var outcome = await _scenario.Service.PollAsync(MonitorScenario.Request(), CancellationToken.None);

        Assert.Equal(StudyStatus.ReadyForAnalysis, outcome.Status);
        Assert.Equal(StudyStatus.ReadyForAnalysis, _scenario.Record.Status);
        Assert.Equal(MonitorScenario.JobId, _scenario.Record.ImportJobId);
    }

    [Fact]
    public async Task PollAsync_WhenCompletedWithCleanManifest_ShouldMarkStudyReadyForAnalysis()
    {
        _scenario.GivenJob(ImportJobStatus.Completed, endedAt: MonitorScenario.Start.AddSeconds(-20));
        _scenario.GivenManifest(new ManifestBuilder().WithFiles(scanned: 3, imported: 3).WithImageSet("imgset0001", matchedInstances: 3));
        _scenario.Time.Advance(TimeSpan.FromMilliseconds(1234));

        var outcome = await _scenario.Service.PollAsync(MonitorScenario.Request(attempt: 2), CancellationToken.None);

        Assert.True(outcome.Done);
        Assert.Equal(StudyStatus.ReadyForAnalysis, outcome.Status);
        Assert.Equal(ImportJobStatus.Completed, outcome.ImportStatus);
        Assert.Equal("imgset0001", outcome.ImageSetId);
        Assert.Equal(["imgset0001"], outcome.ImageSetIds);
        Assert.Null(outcome.FailureReason);
        var record = _scenario.Record;
        Assert.Equal(StudyStatus.ReadyForAnalysis, record.Status);
        Assert.Equal(ImportJobStatus.Completed, record.ImportStatus);
        Assert.Equal("imgset0001", record.ImageSetId);
        Assert.Equal(["imgset0001"], record.ImageSetIds);
        Assert.Equal(new ImportFileCounts(3, 3, 0, 0, 1), record.ImportCounts);
        Assert.Equal("2026-11-25T12:00:01.234Z", record.ReadyAt);
        Assert.Equal("2026-11-25T12:00:01.234Z", record.UpdatedAt);
        Assert.Equal("ingestion", record.ProcessingStage);
        Assert.Null(record.FailureReason);
        Assert.Equal(3, record.PollCount);
    }

    [Fact]
    public async Task PollAsync_WhenSeveralPrimaryImageSets_ShouldRecordAllAndNameTheFirstPrimary()
    {
        _scenario.GivenJob(ImportJobStatus.Completed);
        _scenario.GivenManifest(new ManifestBuilder()
            .WithFiles(scanned: 4, imported: 4)
            .WithImageSet("imgsetB")
            .WithImageSet("imgsetA")
            .WithImageSet("imgsetB"));

        var outcome = await _scenario.Service.PollAsync(MonitorScenario.Request(), CancellationToken.None);

        Assert.Equal(StudyStatus.ReadyForAnalysis, outcome.Status);
        Assert.Equal("imgsetB", outcome.ImageSetId);
        Assert.Equal(["imgsetB", "imgsetA"], outcome.ImageSetIds);
        Assert.Equal(["imgsetB", "imgsetA"], _scenario.Record.ImageSetIds);
    }

    [Fact]
    public async Task PollAsync_WhenAnImageSetIsNotPrimary_ShouldFailWithConflictingImageSet()
    {
        _scenario.GivenJob(ImportJobStatus.Completed);
        _scenario.GivenManifest(new ManifestBuilder()
            .WithFiles(scanned: 2, imported: 2)
            .WithImageSet("imgsetPrimary")
            .WithImageSet("imgsetConflict", isPrimary: false));

        var outcome = await _scenario.Service.PollAsync(MonitorScenario.Request(), CancellationToken.None);

        Assert.True(outcome.Done);
        Assert.Equal(StudyStatus.ImportFailed, outcome.Status);
        Assert.Equal(FailureReasons.ConflictingImageSet, outcome.FailureReason);
        Assert.Null(outcome.ImageSetId);
        Assert.Equal(["imgsetPrimary", "imgsetConflict"], outcome.ImageSetIds);
        var record = _scenario.Record;
        Assert.Equal(StudyStatus.ImportFailed, record.Status);
        Assert.Equal(FailureReasons.ConflictingImageSet, record.FailureReason);
        Assert.Contains("1 image set is not primary", record.FailureMessage, StringComparison.Ordinal);
        Assert.Null(record.ImageSetId);
        Assert.Null(record.ReadyAt);
        Assert.Equal(["imgsetPrimary", "imgsetConflict"], record.ImageSetIds);
    }

    [Fact]
    public async Task PollAsync_WhenFilesWereRejected_ShouldFailWithFilesRejectedAndSummariseExceptionTypesOnly()
    {
        _scenario.GivenJob(ImportJobStatus.Completed);
        _scenario.GivenManifest(new ManifestBuilder()
            .WithFiles(scanned: 4, imported: 1, customerErrors: 3)
            .WithImageSet("imgset0001"));
        _scenario.GivenFailures(new FailureNdjsonBuilder()
            .WithFailure(SeededFileName, "ValidationException", SeededMessage)
            .WithFailure("uploads/batch-17/b.dcm", "UnsupportedTransferSyntax", SeededMessage)
            .WithFailure("uploads/batch-17/c.dcm", "ValidationException", "PatientID PAT-SEEDED-4711 mismatch"));

        var outcome = await _scenario.Service.PollAsync(MonitorScenario.Request(), CancellationToken.None);

        Assert.Equal(StudyStatus.ImportFailed, outcome.Status);
        Assert.Equal(FailureReasons.FilesRejected, outcome.FailureReason);
        var record = _scenario.Record;
        Assert.Equal(FailureReasons.FilesRejected, record.FailureReason);
        Assert.Equal(
            "3 files rejected; exception types: ValidationException×2, UnsupportedTransferSyntax×1; 4 scanned, 1 imported, 1 image sets generated.",
            record.FailureMessage);
        Assert.Equal(new ImportFileCounts(4, 1, 3, 0, 1), record.ImportCounts);
        AssertNoPhi(record.FailureMessage);
        AssertNoPhi(_scenario.LogText);
    }

    [Fact]
    public async Task PollAsync_WhenFilesHadServerErrors_ShouldFailWithImportServerError()
    {
        _scenario.GivenJob(ImportJobStatus.Completed);
        _scenario.GivenManifest(new ManifestBuilder()
            .WithFiles(scanned: 2, imported: 1, serverErrors: 1)
            .WithImageSet("imgset0001"));
        _scenario.GivenFailures(new FailureNdjsonBuilder().WithFailure(SeededFileName, "InternalServerException", SeededMessage));

        var outcome = await _scenario.Service.PollAsync(MonitorScenario.Request(), CancellationToken.None);

        Assert.Equal(FailureReasons.ImportServerError, outcome.FailureReason);
        Assert.Equal(StudyStatus.ImportFailed, _scenario.Record.Status);
        Assert.StartsWith("1 file failed with a server error; exception types: InternalServerException×1", _scenario.Record.FailureMessage, StringComparison.Ordinal);
        AssertNoPhi(_scenario.Record.FailureMessage);
    }

    [Fact]
    public async Task PollAsync_WhenCustomerAndServerErrorsAndConflictCoincide_ShouldReportFilesRejected()
    {
        _scenario.GivenJob(ImportJobStatus.Completed);
        _scenario.GivenManifest(new ManifestBuilder()
            .WithFiles(scanned: 3, imported: 1, customerErrors: 1, serverErrors: 1)
            .WithImageSet("imgset0001", isPrimary: false));

        var outcome = await _scenario.Service.PollAsync(MonitorScenario.Request(), CancellationToken.None);

        Assert.Equal(FailureReasons.FilesRejected, outcome.FailureReason);
        Assert.Equal(
            "1 file rejected; 1 file failed with a server error; 1 image set is not primary (conflict with an existing image set); 3 scanned, 1 imported, 1 image sets generated.",
            _scenario.Record.FailureMessage);
    }

    [Fact]
    public async Task PollAsync_WhenRejectedFilesAreNotListed_ShouldStillFailWithCountsOnly()
    {
        _scenario.GivenJob(ImportJobStatus.Completed);
        _scenario.GivenManifest(new ManifestBuilder().WithFiles(scanned: 1, imported: 0, customerErrors: 1));

        var outcome = await _scenario.Service.PollAsync(MonitorScenario.Request(), CancellationToken.None);

        Assert.Equal(FailureReasons.FilesRejected, outcome.FailureReason);
        Assert.Equal("1 file rejected; no image set generated; 1 scanned, 0 imported, 0 image sets generated.", _scenario.Record.FailureMessage);
        Assert.Contains(MonitorScenario.FailureKey, _scenario.Objects.Reads);
    }

    [Fact]
    public async Task PollAsync_WhenNoImageSetWasGenerated_ShouldFailWithNoImageSets()
    {
        _scenario.GivenJob(ImportJobStatus.Completed);
        _scenario.GivenManifest(new ManifestBuilder().WithFiles(scanned: 0, imported: 0));

        var outcome = await _scenario.Service.PollAsync(MonitorScenario.Request(), CancellationToken.None);

        Assert.True(outcome.Done);
        Assert.Equal(FailureReasons.NoImageSets, outcome.FailureReason);
        Assert.Equal(StudyStatus.ImportFailed, _scenario.Record.Status);
        Assert.DoesNotContain(MonitorScenario.FailureKey, _scenario.Objects.Reads);
    }

    [Fact]
    public async Task PollAsync_WhenManifestCountsImageSetsButListsNone_ShouldFailWithManifestUnreadable()
    {
        _scenario.GivenJob(ImportJobStatus.Completed);
        _scenario.GivenManifest(new ManifestBuilder().WithFiles(scanned: 1, imported: 1).WithGeneratedImageSets(1));

        var outcome = await _scenario.Service.PollAsync(MonitorScenario.Request(), CancellationToken.None);

        Assert.Equal(FailureReasons.ManifestUnreadable, outcome.FailureReason);
    }

    [Theory]
    [InlineData("{\"jobSummary\":")]
    [InlineData("not json at all")]
    [InlineData("[]")]
    [InlineData("{}")]
    public async Task PollAsync_WhenManifestIsNotTheDocumentedJson_ShouldFailWithManifestUnreadable(string text)
    {
        _scenario.GivenJob(ImportJobStatus.Completed);
        _scenario.Objects.Put(MonitorScenario.ManifestKey, text);

        var outcome = await _scenario.Service.PollAsync(MonitorScenario.Request(), CancellationToken.None);

        Assert.True(outcome.Done);
        Assert.Equal(StudyStatus.ImportFailed, outcome.Status);
        Assert.Equal(FailureReasons.ManifestUnreadable, outcome.FailureReason);
        Assert.Equal(FailureReasons.ManifestUnreadable, _scenario.Record.FailureReason);
        Assert.Equal(ImportJobStatus.Completed, _scenario.Record.ImportStatus);
    }

    [Fact]
    public async Task PollAsync_WhenManifestNamesAnotherJob_ShouldFailWithManifestUnreadable()
    {
        _scenario.GivenJob(ImportJobStatus.Completed);
        _scenario.GivenManifest(new ManifestBuilder().ForJob("someotherjob").WithImageSet("imgset0001"));

        var outcome = await _scenario.Service.PollAsync(MonitorScenario.Request(), CancellationToken.None);

        Assert.Equal(FailureReasons.ManifestUnreadable, outcome.FailureReason);
    }

    [Fact]
    public async Task PollAsync_WhenManifestAppearsOnTheSecondRead_ShouldWaitTwoSecondsAndSucceed()
    {
        _scenario.GivenJob(ImportJobStatus.Completed, endedAt: MonitorScenario.Start);

        var poll = _scenario.Service.PollAsync(MonitorScenario.Request(), CancellationToken.None);
        await _scenario.Time.WaitForTimerAsync();
        _scenario.GivenManifest(new ManifestBuilder().WithImageSet("imgset0001"));
        _scenario.Time.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.False(poll.IsCompleted);
        _scenario.Time.Advance(TimeSpan.FromMilliseconds(1));
        var outcome = await poll;

        Assert.Equal(StudyStatus.ReadyForAnalysis, outcome.Status);
        Assert.Equal(2, _scenario.Objects.Reads.Count(key => key == MonitorScenario.ManifestKey));
        Assert.Equal("2026-11-25T12:00:02.000Z", _scenario.Record.ReadyAt);
    }

    [Fact]
    public async Task PollAsync_WhenManifestNeverAppears_ShouldReadThreeTimesThenThrowTransientWithoutWriting()
    {
        _scenario.GivenJob(ImportJobStatus.Completed, endedAt: MonitorScenario.Start.AddSeconds(-10));
        var before = _scenario.Record;

        var poll = _scenario.Service.PollAsync(MonitorScenario.Request(), CancellationToken.None);
        await _scenario.Time.WaitForTimerAsync();
        _scenario.Time.Advance(TimeSpan.FromSeconds(2));
        await _scenario.Time.WaitForTimerAsync();
        _scenario.Time.Advance(TimeSpan.FromSeconds(2));

        var error = await Assert.ThrowsAsync<TransientDependencyException>(() => poll);
        Assert.Equal(Dependency.S3, error.Dependency);
        Assert.False(error.Throttled);
        Assert.Equal(3, _scenario.Objects.Reads.Count(key => key == MonitorScenario.ManifestKey));
        Assert.Equal(before, _scenario.Record);
        Assert.Contains("Import manifest not written yet", _scenario.LogText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PollAsync_WhenManifestStillMissingLongAfterTheJobEnded_ShouldFailWithManifestMissing()
    {
        var scenario = new MonitorScenario(new MonitorOptions { ManifestReadAttempts = 1 });
        scenario.GivenJob(ImportJobStatus.Completed, endedAt: MonitorScenario.Start.AddMinutes(-6));

        var outcome = await scenario.Service.PollAsync(MonitorScenario.Request(), CancellationToken.None);

        Assert.True(outcome.Done);
        Assert.Equal(FailureReasons.ManifestMissing, outcome.FailureReason);
        Assert.Equal(StudyStatus.ImportFailed, scenario.Record.Status);
    }

    [Fact]
    public async Task PollAsync_WhenJobReportsTheRequestedFolder_ShouldReadTheManifestFromTheResolvedFolder()
    {
        _scenario.GivenJob(ImportJobStatus.Completed, outputS3Uri: $"s3://{MonitorScenario.Bucket}/{MonitorScenario.RequestedFolder}");
        _scenario.GivenManifest(new ManifestBuilder().WithImageSet("imgset0001"));

        var outcome = await _scenario.Service.PollAsync(MonitorScenario.Request(), CancellationToken.None);

        Assert.Equal(StudyStatus.ReadyForAnalysis, outcome.Status);
    }

    [Fact]
    public async Task PollAsync_WhenOutputIsInAnotherBucket_ShouldThrowNonTransientAndReadNothing()
    {
        _scenario.GivenJob(ImportJobStatus.Completed, outputS3Uri: $"s3://someone-elses-bucket/{MonitorScenario.ResolvedFolder}");

        var error = await Assert.ThrowsAsync<DependencyException>(() => _scenario.Service.PollAsync(MonitorScenario.Request(), CancellationToken.None));

        Assert.IsNotType<TransientDependencyException>(error);
        Assert.Empty(_scenario.Objects.Reads);
        Assert.Equal(StudyStatus.Importing, _scenario.Record.Status);
    }

    [Fact]
    public async Task PollAsync_WhenCompletedJobHasNoOutputLocation_ShouldThrowNonTransient()
    {
        _scenario.Imports
            .Setup(imports => imports.GetImportJobAsync(MonitorScenario.DatastoreId, MonitorScenario.JobId, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new ImportJob(MonitorScenario.JobId, MonitorScenario.DatastoreId, ImportJobStatus.Completed, null, null, null, null));

        var error = await Assert.ThrowsAsync<DependencyException>(() => _scenario.Service.PollAsync(MonitorScenario.Request(), CancellationToken.None));

        Assert.IsNotType<TransientDependencyException>(error);
    }

    [Fact]
    public async Task PollAsync_WhenJobFailed_ShouldFailWithAFixedPhraseAndManifestCountsButNoneOfTheJobMessage()
    {
        var jobMessage = $"Access denied reading s3://{MonitorScenario.Bucket}/imports/{MonitorScenario.Study.Value}/{SeededFileName} for \"SMITH^JOHN\"";
        _scenario.GivenJob(ImportJobStatus.Failed, message: jobMessage);
        _scenario.GivenManifest(new ManifestBuilder().WithFiles(scanned: 2, imported: 0, customerErrors: 2));
        _scenario.GivenFailures(new FailureNdjsonBuilder()
            .WithFailure(SeededFileName, "AccessDeniedException", SeededMessage)
            .WithFailure("uploads/batch-17/b.dcm", "AccessDeniedException", SeededMessage));

        var outcome = await _scenario.Service.PollAsync(MonitorScenario.Request(), CancellationToken.None);

        Assert.True(outcome.Done);
        Assert.Equal(ImportJobStatus.Failed, outcome.ImportStatus);
        Assert.Equal(StudyStatus.ImportFailed, outcome.Status);
        Assert.Equal(FailureReasons.ImportJobFailed, outcome.FailureReason);
        var record = _scenario.Record;
        Assert.Equal(ImportJobStatus.Failed, record.ImportStatus);
        Assert.Equal(
            "Import job failed: HealthImaging could not access the input or output location. 2 files rejected; exception types: AccessDeniedException×2; no image set generated; 2 scanned, 0 imported, 0 image sets generated.",
            record.FailureMessage);
        Assert.Equal(new ImportFileCounts(2, 0, 2, 0, 0), record.ImportCounts);
        AssertNoPhi(record.FailureMessage);
        Assert.DoesNotContain("s3://", record.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("SMITH", record.FailureMessage, StringComparison.Ordinal);
        AssertNoPhi(_scenario.LogText);
    }

    [Fact]
    public async Task PollAsync_WhenJobFailedWithoutManifest_ShouldFailAfterOneRead()
    {
        _scenario.GivenJob(ImportJobStatus.Failed, message: "Something nobody classified");

        var outcome = await _scenario.Service.PollAsync(MonitorScenario.Request(), CancellationToken.None);

        Assert.Equal(FailureReasons.ImportJobFailed, outcome.FailureReason);
        Assert.Equal($"Import job failed: {JobFailureMessage.Unclassified}.", _scenario.Record.FailureMessage);
        Assert.Single(_scenario.Objects.Reads);
    }

    [Fact]
    public async Task PollAsync_WhenJobIsUnknownToHealthImaging_ShouldFailWithImportJobNotFound()
    {
        _scenario.Imports
            .Setup(imports => imports.GetImportJobAsync(MonitorScenario.DatastoreId, MonitorScenario.JobId, It.IsAny<CancellationToken>()))
            .ReturnsAsync((ImportJob?)null);

        var outcome = await _scenario.Service.PollAsync(MonitorScenario.Request(), CancellationToken.None);

        Assert.True(outcome.Done);
        Assert.Equal(MonitorImportStatus.NotFound, outcome.ImportStatus);
        Assert.Equal(StudyStatus.ImportFailed, outcome.Status);
        Assert.Equal(FailureReasons.ImportJobNotFound, outcome.FailureReason);
        Assert.Equal(FailureReasons.ImportJobNotFound, _scenario.Record.FailureReason);
        Assert.Equal(StudyStatus.ImportFailed, _scenario.Record.Status);
    }

    [Fact]
    public async Task PollAsync_WhenJobReportsAnUnknownStatus_ShouldThrowNonTransientWithoutWriting()
    {
        _scenario.GivenJob("CANCELLED");

        var error = await Assert.ThrowsAsync<DependencyException>(() => _scenario.Service.PollAsync(MonitorScenario.Request(), CancellationToken.None));

        Assert.IsNotType<TransientDependencyException>(error);
        Assert.Empty(_scenario.Studies.AppliedUpdates);
    }

    [Fact]
    public async Task PollAsync_WhenStudyDoesNotExist_ShouldEndTheLoopWithoutAskingHealthImagingOrWriting()
    {
        var scenario = new MonitorScenario();
        var unknown = new ImportPollRequest(StudyId.FromScope("never-uploaded"), MonitorScenario.DatastoreId, MonitorScenario.JobId, 3);

        var outcome = await scenario.Service.PollAsync(unknown, CancellationToken.None);

        Assert.True(outcome.Done);
        Assert.Equal(StudyStatus.ImportFailed, outcome.Status);
        Assert.Equal(FailureReasons.StudyNotFound, outcome.FailureReason);
        Assert.Equal(4, outcome.Attempt);
        Assert.Null(scenario.Studies.Find(unknown.StudyId));
        Assert.Empty(scenario.Studies.AppliedUpdates);
        scenario.Imports.VerifyNoOtherCalls();
    }

    [Theory]
    [InlineData(StudyStatus.ReadyForAnalysis, null)]
    [InlineData(StudyStatus.ImportFailed, FailureReasons.FilesRejected)]
    [InlineData(StudyStatus.ImportTimedOut, FailureReasons.ImportTimedOut)]
    public async Task PollAsync_WhenStudyIsAlreadyTerminal_ShouldReportTheRecordAndChangeNothing(string status, string? reason)
    {
        var terminal = MonitorScenario.NewStudy(status) with
        {
            ImportStatus = ImportJobStatus.Completed,
            FailureReason = reason,
            ImageSetId = "imgset0001",
            ImageSetIds = ["imgset0001"],
            UpdatedAt = "2026-11-25T11:00:00.000Z",
        };
        _scenario.Studies.Put(terminal);

        var outcome = await _scenario.Service.PollAsync(MonitorScenario.Request(attempt: 9), CancellationToken.None);

        Assert.True(outcome.Done);
        Assert.Equal(status, outcome.Status);
        Assert.Equal(reason, outcome.FailureReason);
        Assert.Equal(ImportJobStatus.Completed, outcome.ImportStatus);
        Assert.Equal("imgset0001", outcome.ImageSetId);
        Assert.Equal(["imgset0001"], outcome.ImageSetIds);
        Assert.Equal(10, outcome.Attempt);
        Assert.Equal(terminal, _scenario.Record);
        _scenario.Imports.VerifyNoOtherCalls();
    }

    [Fact]
    public async Task PollAsync_WhenRepeatedAfterTheStudyBecameReady_ShouldLeaveTheRecordAsItWas()
    {
        _scenario.GivenJob(ImportJobStatus.Completed);
        _scenario.GivenManifest(new ManifestBuilder().WithImageSet("imgset0001"));
        await _scenario.Service.PollAsync(MonitorScenario.Request(attempt: 1), CancellationToken.None);
        var ready = _scenario.Record;
        _scenario.GivenJob(ImportJobStatus.Failed, message: "late");
        _scenario.Time.Advance(TimeSpan.FromMinutes(1));

        var outcome = await _scenario.Service.PollAsync(MonitorScenario.Request(attempt: 1), CancellationToken.None);

        Assert.Equal(StudyStatus.ReadyForAnalysis, outcome.Status);
        Assert.True(outcome.Done);
        Assert.Equal(ready, _scenario.Record);
    }

    [Fact]
    public async Task PollAsync_WhenAnotherWriterEndsTheStudyFirst_ShouldReportTheRecordedTerminalStatus()
    {
        _scenario.GivenJob(ImportJobStatus.Completed);
        _scenario.GivenManifest(new ManifestBuilder().WithImageSet("imgset0001"));
        _scenario.Studies.BeforeUpdate = store => store.Put(MonitorScenario.NewStudy(StudyStatus.ImportTimedOut) with
        {
            FailureReason = FailureReasons.WorkflowTimedOut,
        });

        var outcome = await _scenario.Service.PollAsync(MonitorScenario.Request(), CancellationToken.None);

        Assert.True(outcome.Done);
        Assert.Equal(StudyStatus.ImportTimedOut, outcome.Status);
        Assert.Equal(FailureReasons.WorkflowTimedOut, outcome.FailureReason);
        Assert.Null(outcome.ImageSetId);
        Assert.Equal(StudyStatus.ImportTimedOut, _scenario.Record.Status);
        Assert.Equal(1, _scenario.Studies.RefusedUpdates);
    }

    [Fact]
    public async Task PollAsync_WhenUploadLostItsFinalWrite_ShouldMoveTheStudyOnFromUploadFailed()
    {
        // The upload handler may record UPLOAD_FAILED after the workflow started; the job is the truth.
        _scenario.Studies.Put(MonitorScenario.NewStudy(StudyStatus.UploadFailed));
        _scenario.GivenJob(ImportJobStatus.InProgress);

        var outcome = await _scenario.Service.PollAsync(MonitorScenario.Request(), CancellationToken.None);

        Assert.False(outcome.Done);
        Assert.Equal(StudyStatus.Importing, outcome.Status);
        Assert.Equal(StudyStatus.Importing, _scenario.Record.Status);
        Assert.Equal(ImportJobStatus.InProgress, _scenario.Record.ImportStatus);
    }

    public static TheoryData<string> FailingPorts => ["study-get", "study-update", "import-get", "manifest-read"];

    [Theory]
    [MemberData(nameof(FailingPorts))]
    public async Task PollAsync_WhenAPortFailsTransiently_ShouldLetTheSameExceptionThrough(string port)
    {
        var failure = new TransientDependencyException(Dependency.DynamoDb, "ThrottlingException", "slow down", throttled: true);
        var service = ServiceFailingAt(port, failure);

        var thrown = await Assert.ThrowsAsync<TransientDependencyException>(() => service.PollAsync(MonitorScenario.Request(), CancellationToken.None));

        Assert.Same(failure, thrown);
    }

    [Theory]
    [MemberData(nameof(FailingPorts))]
    public async Task PollAsync_WhenAPortFailsForGood_ShouldLetTheSameExceptionThrough(string port)
    {
        var failure = new DependencyException(Dependency.S3, "AccessDenied", "denied");
        var service = ServiceFailingAt(port, failure);

        var thrown = await Assert.ThrowsAsync<DependencyException>(() => service.PollAsync(MonitorScenario.Request(), CancellationToken.None));

        Assert.Same(failure, thrown);
    }

    [Fact]
    public async Task PollAsync_WhenReadingTheFailureListFailsTransiently_ShouldLetItThroughWithoutWriting()
    {
        var failure = new TransientDependencyException(Dependency.S3, "SlowDown", "slow down", throttled: true);
        var objects = new Mock<IObjectStore>();
        objects.SetupGet(store => store.BucketName).Returns(MonitorScenario.Bucket);
        objects.Setup(store => store.ReadTextAsync(MonitorScenario.ManifestKey, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new ManifestBuilder().WithFiles(2, 1, customerErrors: 1).WithImageSet("imgset0001").Build());
        objects.Setup(store => store.ReadTextAsync(MonitorScenario.FailureKey, It.IsAny<CancellationToken>())).ThrowsAsync(failure);
        var studies = new InMemoryStudyStore();
        studies.Put(MonitorScenario.NewStudy());
        var service = new ImportMonitorService(CompletedJob().Object, objects.Object, studies, TimeProvider.System, _scenario.Log);

        var thrown = await Assert.ThrowsAsync<TransientDependencyException>(() => service.PollAsync(MonitorScenario.Request(), CancellationToken.None));

        Assert.Same(failure, thrown);
        Assert.Empty(studies.AppliedUpdates);
    }

    [Fact]
    public async Task PollAsync_WhenCancelledWhileWaitingForTheManifest_ShouldStopWaiting()
    {
        _scenario.GivenJob(ImportJobStatus.Completed);
        using var cancellation = new CancellationTokenSource();

        var poll = _scenario.Service.PollAsync(MonitorScenario.Request(), cancellation.Token);
        await _scenario.Time.WaitForTimerAsync();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => poll);
    }

    private static ImportMonitorService ServiceFailingAt(string port, DependencyException failure)
    {
        var studies = new Mock<IStudyStore>();
        studies.Setup(store => store.GetAsync(MonitorScenario.Study, It.IsAny<CancellationToken>())).ReturnsAsync(MonitorScenario.NewStudy());
        studies.Setup(store => store.TryUpdateAsync(MonitorScenario.Study, It.IsAny<StudyUpdate>(), It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>())).ReturnsAsync(true);
        var imports = CompletedJob();
        var objects = new Mock<IObjectStore>();
        objects.SetupGet(store => store.BucketName).Returns(MonitorScenario.Bucket);
        objects.Setup(store => store.ReadTextAsync(MonitorScenario.ManifestKey, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new ManifestBuilder().WithImageSet("imgset0001").Build());

        switch (port)
        {
            case "study-get":
                studies.Setup(store => store.GetAsync(MonitorScenario.Study, It.IsAny<CancellationToken>())).ThrowsAsync(failure);
                break;
            case "study-update":
                studies.Setup(store => store.TryUpdateAsync(MonitorScenario.Study, It.IsAny<StudyUpdate>(), It.IsAny<IReadOnlyCollection<string>>(), It.IsAny<CancellationToken>())).ThrowsAsync(failure);
                break;
            case "import-get":
                imports.Setup(service => service.GetImportJobAsync(MonitorScenario.DatastoreId, MonitorScenario.JobId, It.IsAny<CancellationToken>())).ThrowsAsync(failure);
                break;
            case "manifest-read":
                objects.Setup(store => store.ReadTextAsync(MonitorScenario.ManifestKey, It.IsAny<CancellationToken>())).ThrowsAsync(failure);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(port), port, "Unknown port.");
        }

        return new ImportMonitorService(imports.Object, objects.Object, studies.Object, TimeProvider.System, new StructuredLog(TextWriter.Null, TimeProvider.System));
    }

    private static Mock<IImportService> CompletedJob()
    {
        var imports = new Mock<IImportService>();
        imports.Setup(service => service.GetImportJobAsync(MonitorScenario.DatastoreId, MonitorScenario.JobId, It.IsAny<CancellationToken>()))
            .ReturnsAsync(new ImportJob(
                MonitorScenario.JobId,
                MonitorScenario.DatastoreId,
                ImportJobStatus.Completed,
                $"s3://{MonitorScenario.Bucket}/{MonitorScenario.ResolvedFolder}",
                null,
                MonitorScenario.Start,
                MonitorScenario.Start));
        return imports;
    }

    private static void AssertNoPhi(string? text)
    {
        Assert.NotNull(text);
        Assert.DoesNotContain(MonitorScenario.PatientId, text, StringComparison.Ordinal);
        Assert.DoesNotContain("SMITH", text, StringComparison.Ordinal);
        Assert.DoesNotContain(".dcm", text, StringComparison.Ordinal);
        Assert.DoesNotContain("uploads/", text, StringComparison.Ordinal);
    }
}
