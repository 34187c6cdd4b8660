using Microsoft.Extensions.Time.Testing;
using Moq;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Errors;
using StrokeIngestion.Core.Ports;
using StrokeIngestion.Core.Resilience;
using StrokeIngestion.Core.Settings;
using StrokeIngestion.Core.Tests.Fakes;
using StrokeIngestion.Core.Upload;

namespace StrokeIngestion.Core.Tests.Upload;

public sealed partial class UploadServiceTests
{
    private const string PatientId = "P123456";
    private const string DatastoreId = TestUploadSettings.DatastoreId;
    private const string StateMachineArn = TestUploadSettings.StateMachineArn;

    private readonly InMemoryObjectStore _objects = new();
    private readonly InMemoryStudyStore _studies = new();
    private readonly Mock<IImportService> _imports = new(MockBehavior.Strict);
    private readonly Mock<IWorkflowStarter> _workflows = new(MockBehavior.Strict);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, 123, TimeSpan.Zero));
    private readonly List<TimeSpan> _delays = [];
    private readonly List<ImportJobRequest> _importRequests = [];
    private readonly List<(string Name, string Input)> _executions = [];

    public UploadServiceTests()
    {
        _imports
            .Setup(i => i.StartImportAsync(It.IsAny<ImportJobRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((ImportJobRequest request, CancellationToken _) =>
            {
                _importRequests.Add(request);
                return new ImportJob("job" + request.ClientToken[6..].ToLowerInvariant(), request.DatastoreId, ImportJobStatus.Submitted, null, null, _time.GetUtcNow(), null);
            });
        _workflows
            .Setup(w => w.StartAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string name, string input, CancellationToken _) =>
            {
                _executions.Add((name, input));
                return new WorkflowStart(StateMachineArn.Replace(":stateMachine:", ":execution:", StringComparison.Ordinal) + ":" + name, AlreadyExisted: false);
            });
    }

    private UploadService Service(params string[] modalities) => new(
        _objects,
        _studies,
        _imports.Object,
        _workflows.Object,
        Settings(modalities.Length == 0 ? ["CT", "MR"] : modalities),
        _time,
        new RetryPolicy(3, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), RecordDelay, () => 0.5),
        new RetryPolicy(4, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(4), RecordDelay, () => 0.5));

    private Task RecordDelay(TimeSpan delay, CancellationToken cancellationToken)
    {
        lock (_delays)
        {
            _delays.Add(delay);
        }

        return Task.CompletedTask;
    }

    private static UploadSettings Settings(IEnumerable<string> modalities) =>
        TestUploadSettings.Create() with { AllowedModalities = modalities.ToHashSet(StringComparer.Ordinal) };

    private static UploadCommand Command(string fileKey = "uploads/brain_scan.dcm", string? idempotencyKey = null, bool acceptMismatch = false, string description = "Brain CT - Suspected Stroke") => new()
    {
        PatientId = PatientId,
        StudyDescription = description,
        FileKey = fileKey,
        IdempotencyKey = idempotencyKey,
        AcceptPatientIdMismatch = acceptMismatch,
        CallerIdentity = "arn:aws:iam::111122223333:user/clinician-tool",
        RequestId = "req-1",
    };

    private void PutCt(string key = "uploads/brain_scan.dcm", string patientId = PatientId, string modality = "CT", string? studyUid = null, string? seriesUid = null, string? transferSyntax = null) =>
        _objects.Put(key, TestDicom.Create(patientId, modality, studyUid ?? TestDicom.StudyUid, seriesUid ?? TestDicom.SeriesUid, transferSyntax));

    [Fact]
    public async Task StartAsync_WhenSingleValidCt_ShouldCopyImportRecordAndStartWorkflow()
    {
        PutCt();

        var outcome = await Service().StartAsync(Command(), CancellationToken.None);

        Assert.Null(outcome.Error);
        var study = Assert.IsType<Study>(outcome.Study);
        Assert.Matches("^STUDY-[0-9a-f]{12}$", study.StudyId.Value);
        Assert.Equal(StudyStatus.Importing, study.Status);
        Assert.False(outcome.Duplicate);

        var copied = Assert.Single(_objects.Copies);
        Assert.Equal($"imports/{study.StudyId.Value}/00001.dcm", copied);

        var import = Assert.Single(_importRequests);
        Assert.Equal(study.StudyId.Value, import.ClientToken);
        Assert.Equal($"s3://{_objects.BucketName}/imports/{study.StudyId.Value}/", import.InputS3Uri);
        Assert.Equal($"s3://{_objects.BucketName}/import-output/{study.StudyId.Value}/", import.OutputS3Uri);
        Assert.True(import.JobName.Length <= 64);
        Assert.Equal(DatastoreId, import.DatastoreId);

        var execution = Assert.Single(_executions);
        Assert.Equal($"stroke-analysis-{study.StudyId.Value}", execution.Name);
        Assert.Contains($"\"study_id\":\"{study.StudyId.Value}\"", execution.Input, StringComparison.Ordinal);
        Assert.Contains("\"attempt\":0", execution.Input, StringComparison.Ordinal);

        var stored = Assert.IsType<Study>(_studies[study.StudyId]);
        Assert.Equal(StudyStatus.Importing, stored.Status);
        Assert.Equal(ImportJobStatus.Submitted, stored.ImportStatus);
        Assert.Equal(study.ImportJobId, stored.ImportJobId);
        Assert.EndsWith(":execution:stroke-detection-ai-processing:stroke-analysis-" + study.StudyId.Value, stored.ExecutionArn, StringComparison.Ordinal);
        Assert.Equal(PatientId, stored.PatientId);
        Assert.Equal("2026-11-25T12:00:00.123Z", stored.UploadTimestamp);
        Assert.Equal("ingestion", stored.ProcessingStage);
        Assert.Equal("CT", stored.Modality);
        Assert.Equal(TestDicom.StudyUid, stored.StudyInstanceUid);
        Assert.Equal([TestDicom.SeriesUid], stored.SeriesInstanceUids);
        Assert.Equal(1, stored.FileCount);
        Assert.Equal("arn:aws:iam::111122223333:user/clinician-tool", stored.SubmittedBy);
        Assert.False(stored.PatientIdMismatchAccepted);
    }

    [Fact]
    public async Task StartAsync_WhenReadingHeader_ShouldReadOnlyTheHeadOfTheObject()
    {
        _objects.Put("uploads/big.dcm", TestDicom.Create(PatientId, "CT", TestDicom.StudyUid, TestDicom.SeriesUid, null, pixelBytes: 4 * 1024 * 1024));

        await Service().StartAsync(Command("uploads/big.dcm"), CancellationToken.None);

        Assert.True(_objects.BytesRead <= 64 * 1024, $"read {_objects.BytesRead} bytes of a 4 MiB object");
    }

    [Fact]
    public async Task StartAsync_WhenFolderOfSlicesInTwoSeries_ShouldImportAllInOneJob()
    {
        for (var i = 0; i < 5; i++)
        {
            PutCt($"uploads/study-7/slice-{i:D3}.dcm", seriesUid: i < 3 ? "1.2.3.4.1" : "1.2.3.4.2");
        }

        _objects.Put("uploads/study-70/other.dcm", TestDicom.Create("OTHER", "CT", "9.9.9", "9.9.9.1", null));

        var outcome = await Service().StartAsync(Command("uploads/study-7/"), CancellationToken.None);

        var study = Assert.IsType<Study>(outcome.Study);
        Assert.Equal(5, study.FileCount);
        Assert.Equal(["1.2.3.4.1", "1.2.3.4.2"], study.SeriesInstanceUids);
        Assert.Equal(5, _objects.Keys($"imports/{study.StudyId.Value}/").Count());
        Assert.Single(_importRequests);
    }

    [Fact]
    public async Task StartAsync_WhenObjectMissing_ShouldAnswer404AndWriteNothing()
    {
        var outcome = await Service().StartAsync(Command("uploads/missing.dcm"), CancellationToken.None);

        AssertRejectedWithoutSideEffects(outcome, 404, "object_not_found");
    }

    [Fact]
    public async Task StartAsync_WhenFolderEmpty_ShouldAnswer404()
    {
        var outcome = await Service().StartAsync(Command("uploads/nothing-here/"), CancellationToken.None);

        AssertRejectedWithoutSideEffects(outcome, 404, "object_not_found");
    }

    [Fact]
    public async Task StartAsync_WhenObjectEmpty_ShouldAnswer422()
    {
        _objects.Put("uploads/brain_scan.dcm", []);

        var outcome = await Service().StartAsync(Command(), CancellationToken.None);

        AssertRejectedWithoutSideEffects(outcome, 422, "empty_object");
    }

    [Fact]
    public async Task StartAsync_WhenNotDicom_ShouldAnswer422()
    {
        _objects.Put("uploads/brain_scan.dcm", new byte[4096]);

        var outcome = await Service().StartAsync(Command(), CancellationToken.None);

        AssertRejectedWithoutSideEffects(outcome, 422, "not_dicom");
    }

    [Fact]
    public async Task StartAsync_WhenHeaderTruncated_ShouldAnswer422Malformed()
    {
        var full = TestDicom.Create(PatientId, "CT", TestDicom.StudyUid, TestDicom.SeriesUid, null);
        _objects.Put("uploads/brain_scan.dcm", full[..200]);

        var outcome = await Service().StartAsync(Command(), CancellationToken.None);

        AssertRejectedWithoutSideEffects(outcome, 422, "malformed_dicom");
    }

    [Fact]
    public async Task StartAsync_WhenTransferSyntaxUnsupported_ShouldAnswer422()
    {
        PutCt(transferSyntax: "1.2.840.10008.1.2.4.100");

        var outcome = await Service().StartAsync(Command(), CancellationToken.None);

        AssertRejectedWithoutSideEffects(outcome, 422, "unsupported_transfer_syntax");
        Assert.DoesNotContain("1.2.840.10008.1.2.4.100", outcome.Error?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_WhenModalityNotAllowed_ShouldAnswer422NamingAllowedOnes()
    {
        PutCt(modality: "US");

        var outcome = await Service().StartAsync(Command(), CancellationToken.None);

        AssertRejectedWithoutSideEffects(outcome, 422, "unsupported_modality");
        Assert.Contains("CT, MR", outcome.Error?.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("US", outcome.Error?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_WhenModalityIsANonsenseValue_ShouldNotRepeatIt()
    {
        PutCt(modality: "XQZ");

        var outcome = await Service().StartAsync(Command(), CancellationToken.None);

        AssertRejectedWithoutSideEffects(outcome, 422, "unsupported_modality");
        Assert.DoesNotContain("XQZ", outcome.Error?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_WhenModalityListConfigured_ShouldFollowIt()
    {
        PutCt(modality: "MR");

        var outcome = await Service("CT").StartAsync(Command(), CancellationToken.None);

        AssertRejectedWithoutSideEffects(outcome, 422, "unsupported_modality");
    }

    [Fact]
    public async Task StartAsync_WhenDicomPatientDiffers_ShouldRefuseWithoutNamingEitherId()
    {
        PutCt(patientId: "SOMEONE-ELSE");

        var outcome = await Service().StartAsync(Command(), CancellationToken.None);

        AssertRejectedWithoutSideEffects(outcome, 422, "patient_id_mismatch");
        Assert.DoesNotContain("SOMEONE-ELSE", outcome.Error?.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(PatientId, outcome.Error?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_WhenMismatchExplicitlyAccepted_ShouldIngestAndRecordOverride()
    {
        PutCt(patientId: "SOMEONE-ELSE");

        var outcome = await Service().StartAsync(Command(acceptMismatch: true), CancellationToken.None);

        var study = Assert.IsType<Study>(outcome.Study);
        Assert.True(_studies[study.StudyId]?.PatientIdMismatchAccepted);
        Assert.Equal(PatientId, _studies[study.StudyId]?.PatientId);
    }

    [Fact]
    public async Task StartAsync_WhenFolderMixesStudies_ShouldAnswer422()
    {
        PutCt("uploads/mixed/a.dcm", studyUid: "1.2.3");
        PutCt("uploads/mixed/b.dcm", studyUid: "1.2.4");

        var outcome = await Service().StartAsync(Command("uploads/mixed/"), CancellationToken.None);

        AssertRejectedWithoutSideEffects(outcome, 422, "mixed_studies");
    }

    [Fact]
    public async Task StartAsync_WhenFolderHasOneBadFile_ShouldRejectWholeStudy()
    {
        PutCt("uploads/s/a.dcm");
        _objects.Put("uploads/s/b.dcm", new byte[300]);

        var outcome = await Service().StartAsync(Command("uploads/s/"), CancellationToken.None);

        AssertRejectedWithoutSideEffects(outcome, 422, "not_dicom");
    }

    [Fact]
    public async Task StartAsync_WhenFolderOverFileLimit_ShouldAnswer422()
    {
        var tiny = TestDicom.Create(PatientId, "CT", TestDicom.StudyUid, TestDicom.SeriesUid, null);
        for (var i = 0; i <= UploadService.MaxFilesPerStudy; i++)
        {
            _objects.Put($"uploads/huge/{i:D5}.dcm", tiny);
        }

        var outcome = await Service().StartAsync(Command("uploads/huge/"), CancellationToken.None);

        AssertRejectedWithoutSideEffects(outcome, 422, "too_many_files");
        Assert.Equal(0, _objects.RangeReads);
    }

    [Fact]
    public async Task StartAsync_WhenSameIdempotencyKeyRetried_ShouldReturnSameStudyWithoutNewWork()
    {
        PutCt();
        var service = Service();

        var first = await service.StartAsync(Command(idempotencyKey: "k-1"), CancellationToken.None);
        var second = await service.StartAsync(Command(idempotencyKey: "k-1"), CancellationToken.None);

        Assert.Equal(first.Study?.StudyId, second.Study?.StudyId);
        Assert.False(second.Duplicate);
        Assert.Single(_importRequests);
        Assert.Single(_executions);
        Assert.Single(_studies.All);
    }

    [Fact]
    public async Task StartAsync_WhenSameKeyDifferentBody_ShouldAnswer422()
    {
        PutCt();
        var service = Service();
        await service.StartAsync(Command(idempotencyKey: "k-1"), CancellationToken.None);

        var outcome = await service.StartAsync(Command(idempotencyKey: "k-1", description: "Other"), CancellationToken.None);

        Assert.Equal((422, "idempotency_key_reused"), (outcome.Error?.StatusCode, outcome.Error?.Code));
        Assert.Single(_importRequests);
    }

    [Fact]
    public async Task StartAsync_WhenSameObjectUploadedAgainWithoutKey_ShouldReturnExistingAsDuplicate()
    {
        PutCt();
        var service = Service();
        var first = await service.StartAsync(Command(), CancellationToken.None);

        var second = await service.StartAsync(Command(description: "resent"), CancellationToken.None);

        Assert.True(second.Duplicate);
        Assert.Equal(first.Study?.StudyId, second.Study?.StudyId);
        Assert.Single(_importRequests);
        Assert.Single(_executions);
    }

    [Fact]
    public async Task StartAsync_WhenObjectContentChanged_ShouldBeANewStudy()
    {
        PutCt();
        var service = Service();
        var first = await service.StartAsync(Command(), CancellationToken.None);
        PutCt(seriesUid: "1.2.3.4.99");

        var second = await service.StartAsync(Command(), CancellationToken.None);

        Assert.False(second.Duplicate);
        Assert.NotEqual(first.Study?.StudyId, second.Study?.StudyId);
    }

    [Fact]
    public async Task StartAsync_WhenCopyFailsThenRetried_ShouldRecordFailureThenComplete()
    {
        PutCt();
        var service = Service();
        for (var i = 0; i < 3; i++)
        {
            _objects.CopyFailures.Enqueue(Transient(Dependency.S3, "InternalError"));
        }

        var failed = await service.StartAsync(Command(idempotencyKey: "k-2"), CancellationToken.None);

        Assert.Equal((503, "dependency_unavailable"), (failed.Error?.StatusCode, failed.Error?.Code));
        Assert.Equal(TimeSpan.FromSeconds(5), failed.Error?.RetryAfter);
        var record = Assert.Single(_studies.All);
        Assert.Equal((StudyStatus.UploadFailed, "copy_failed"), (record.Status, record.FailureReason));
        Assert.Empty(_importRequests);

        var retried = await service.StartAsync(Command(idempotencyKey: "k-2"), CancellationToken.None);

        Assert.Equal(record.StudyId, retried.Study?.StudyId);
        Assert.Equal(StudyStatus.Importing, _studies[record.StudyId]?.Status);
        Assert.Single(_importRequests);
        Assert.Single(_executions);
    }

    [Fact]
    public async Task StartAsync_WhenImportThrottledBeyondBudget_ShouldAnswer503RetryAfterAndResumeWithSameClientToken()
    {
        PutCt();
        var service = Service();
        var throttles = 4;
        _imports
            .Setup(i => i.StartImportAsync(It.IsAny<ImportJobRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((ImportJobRequest request, CancellationToken _) =>
            {
                _importRequests.Add(request);
                if (throttles-- > 0)
                {
                    throw Transient(Dependency.HealthImaging, "ThrottlingException", throttled: true);
                }

                return new ImportJob("jobabc", request.DatastoreId, ImportJobStatus.Submitted, null, null, null, null);
            });

        var failed = await service.StartAsync(Command(idempotencyKey: "k-3"), CancellationToken.None);

        Assert.Equal((503, "dependency_throttled"), (failed.Error?.StatusCode, failed.Error?.Code));
        Assert.NotNull(failed.Error?.RetryAfter);
        Assert.Equal(3, _delays.Count);
        Assert.Equal("import_start_failed", Assert.Single(_studies.All).FailureReason);
        Assert.Empty(_executions);

        var retried = await service.StartAsync(Command(idempotencyKey: "k-3"), CancellationToken.None);

        Assert.Null(retried.Error);
        Assert.Single(_importRequests.Select(r => r.ClientToken).Distinct());
        Assert.Equal("jobabc", _studies[Assert.IsType<Study>(retried.Study).StudyId]?.ImportJobId);
    }

    [Fact]
    public async Task StartAsync_WhenImportThrottledBriefly_ShouldRetryWithinRequest()
    {
        PutCt();
        var calls = 0;
        _imports
            .Setup(i => i.StartImportAsync(It.IsAny<ImportJobRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((ImportJobRequest request, CancellationToken _) => ++calls < 3
                ? throw Transient(Dependency.HealthImaging, "ThrottlingException", throttled: true)
                : new ImportJob("jobabc", request.DatastoreId, ImportJobStatus.Submitted, null, null, null, null));

        var outcome = await Service().StartAsync(Command(), CancellationToken.None);

        Assert.Null(outcome.Error);
        Assert.Equal(3, calls);
        Assert.Equal(2, _delays.Count);
        Assert.True(_delays[1] > _delays[0], "backoff grows");
    }

    [Fact]
    public async Task StartAsync_WhenImportRejected_ShouldAnswer502AndRecordFailure()
    {
        PutCt();
        _imports
            .Setup(i => i.StartImportAsync(It.IsAny<ImportJobRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new DependencyException(Dependency.HealthImaging, "AccessDeniedException", "403 AccessDeniedException"));

        var outcome = await Service().StartAsync(Command(), CancellationToken.None);

        Assert.Equal((502, "dependency_failed"), (outcome.Error?.StatusCode, outcome.Error?.Code));
        var record = Assert.Single(_studies.All);
        Assert.Equal(StudyStatus.UploadFailed, record.Status);
        Assert.Contains("AccessDeniedException", record.FailureMessage, StringComparison.Ordinal);
        Assert.Empty(_executions);
    }

    [Fact]
    public async Task StartAsync_WhenWorkflowStartFailsThenRetried_ShouldNeverClaimImportingWithoutWorkflow()
    {
        PutCt();
        var service = Service();
        _workflows
            .SetupSequence(w => w.StartAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(Transient(Dependency.StepFunctions, "ServiceUnavailable"))
            .ThrowsAsync(Transient(Dependency.StepFunctions, "ServiceUnavailable"))
            .ThrowsAsync(Transient(Dependency.StepFunctions, "ServiceUnavailable"))
            .ReturnsAsync(new WorkflowStart("arn:aws:states:us-east-1:111122223333:execution:x:y", AlreadyExisted: false));

        var failed = await service.StartAsync(Command(idempotencyKey: "k-4"), CancellationToken.None);

        var record = Assert.Single(_studies.All);
        Assert.Equal(503, failed.Error?.StatusCode);
        Assert.Equal((StudyStatus.UploadFailed, "workflow_start_failed"), (record.Status, record.FailureReason));
        Assert.NotNull(record.ImportJobId);
        Assert.Null(record.ExecutionArn);

        var retried = await service.StartAsync(Command(idempotencyKey: "k-4"), CancellationToken.None);

        Assert.Null(retried.Error);
        Assert.Equal(StudyStatus.Importing, _studies[record.StudyId]?.Status);
        Assert.Equal("arn:aws:states:us-east-1:111122223333:execution:x:y", _studies[record.StudyId]?.ExecutionArn);
        Assert.Single(_importRequests.Select(r => r.ClientToken).Distinct());
    }

    [Fact]
    public async Task StartAsync_WhenExecutionAlreadyExisted_ShouldStillCompleteTheRecord()
    {
        PutCt();
        _workflows
            .Setup(w => w.StartAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new WorkflowStart("arn:aws:states:us-east-1:111122223333:execution:m:n", AlreadyExisted: true));

        var outcome = await Service().StartAsync(Command(), CancellationToken.None);

        Assert.Equal(StudyStatus.Importing, outcome.Study?.Status);
    }

    [Fact]
    public async Task StartAsync_WhenRecordWriteFailsBeforeAnything_ShouldAnswer503AndStartNothing()
    {
        PutCt();
        for (var i = 0; i < 3; i++)
        {
            _studies.CreateFailures.Enqueue(Transient(Dependency.DynamoDb, "ProvisionedThroughputExceededException", throttled: true));
        }

        var outcome = await Service().StartAsync(Command(), CancellationToken.None);

        Assert.Equal((503, "dependency_throttled"), (outcome.Error?.StatusCode, outcome.Error?.Code));
        Assert.Empty(_studies.All);
        Assert.Empty(_objects.Copies);
        Assert.Empty(_importRequests);
    }

    [Fact]
    public async Task StartAsync_WhenOwnCreateLandedButItsAnswerWasLost_ShouldCompleteWithoutCallingItDuplicate()
    {
        PutCt();
        _studies.CreateAnswersLost.Enqueue(Transient(Dependency.DynamoDb, "InternalServerError"));

        var outcome = await Service().StartAsync(Command(), CancellationToken.None);

        Assert.Null(outcome.Error);
        Assert.False(outcome.Duplicate);
        Assert.Equal(StudyStatus.Importing, Assert.Single(_studies.All).Status);
        Assert.Single(_importRequests);
    }

    [Fact]
    public async Task StartAsync_WhenFinalWriteFails_ShouldNotMarkFailedBecauseWorkflowOwnsStudy()
    {
        PutCt();
        for (var i = 0; i < 3; i++)
        {
            _studies.UpdateFailures.Enqueue(Transient(Dependency.DynamoDb, "InternalServerError"));
        }

        var outcome = await Service().StartAsync(Command(idempotencyKey: "k-5"), CancellationToken.None);

        Assert.Equal(503, outcome.Error?.StatusCode);
        var record = Assert.Single(_studies.All);
        Assert.Equal(StudyStatus.Received, record.Status);
        Assert.Contains(StudyStatus.Received, StudyStatus.Monitorable);
        Assert.Single(_executions);
    }

    [Fact]
    public async Task StartAsync_WhenWorkflowMovesStudyOnBeforeFinalWrite_ShouldKeepItsStatusAndRecordJobAndExecution()
    {
        // The workflow's first poll lands between starting the execution and the final write
        // (the sandbox's fault run caught records READY without import_job_id or execution_arn).
        PutCt();
        var moved = false;
        _studies.BeforeUpdate = store =>
        {
            if (!moved && store.All.SingleOrDefault() is { Status: StudyStatus.Received } received)
            {
                moved = true;
                store.Put(received with { Status = StudyStatus.ReadyForAnalysis, ImageSetId = "imgset0001", ImageSetIds = ["imgset0001"] });
            }
        };

        var outcome = await Service().StartAsync(Command(idempotencyKey: "k-7"), CancellationToken.None);

        Assert.Null(outcome.Error);
        var stored = Assert.Single(_studies.All);
        Assert.Equal(StudyStatus.ReadyForAnalysis, stored.Status);
        Assert.Equal("imgset0001", stored.ImageSetId);
        Assert.Equal(Assert.Single(_importRequests).ClientToken, stored.StudyId.Value);
        Assert.NotNull(stored.ImportJobId);
        Assert.EndsWith(":stroke-analysis-" + stored.StudyId.Value, stored.ExecutionArn, StringComparison.Ordinal);
        Assert.Equal(stored.ImportJobId, outcome.Study?.ImportJobId);
        Assert.Equal(stored.ExecutionArn, outcome.Study?.ExecutionArn);
    }

    [Fact]
    public async Task StartAsync_WhenConcurrentRequestsForSameObject_ShouldCreateOneStudy()
    {
        PutCt();
        var service = Service();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => service.StartAsync(Command(), CancellationToken.None)));

        Assert.All(outcomes, o => Assert.Null(o.Error));
        Assert.Single(outcomes.Select(o => o.Study?.StudyId).Distinct());
        Assert.Single(_studies.All);

        // Losers of the conditional put may resume the same study; every start is idempotent by name.
        Assert.Single(_importRequests.Select(r => r.ClientToken).Distinct());
        Assert.Single(_executions.Select(e => e.Name).Distinct());
        Assert.Equal(StudyStatus.Importing, _studies.All.Single().Status);
    }

    [Fact]
    public async Task StartAsync_WhenStudyAlreadyTerminal_ShouldReportItWithoutWork()
    {
        PutCt();
        var service = Service();
        var first = await service.StartAsync(Command(idempotencyKey: "k-6"), CancellationToken.None);
        var id = Assert.IsType<Study>(first.Study).StudyId;
        await _studies.TryUpdateAsync(id, new StudyUpdate { UpdatedAt = "t", Status = StudyStatus.ReadyForAnalysis }, [StudyStatus.Importing], CancellationToken.None);

        var again = await service.StartAsync(Command(idempotencyKey: "k-6"), CancellationToken.None);

        Assert.Equal(StudyStatus.ReadyForAnalysis, again.Study?.Status);
        Assert.Single(_importRequests);
    }

    private void AssertRejectedWithoutSideEffects(UploadOutcome outcome, int status, string code)
    {
        Assert.Null(outcome.Study);
        Assert.Equal((status, code), (outcome.Error?.StatusCode, outcome.Error?.Code));
        Assert.Empty(_studies.All);
        Assert.Empty(_objects.Copies);
        Assert.Empty(_importRequests);
        Assert.Empty(_executions);
        Assert.DoesNotContain(PatientId, outcome.Error?.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("brain_scan", outcome.Error?.Message, StringComparison.Ordinal);
    }

    private static TransientDependencyException Transient(Dependency dependency, string code, bool throttled = false) =>
        new(dependency, code, $"{dependency} {code}", throttled);
}
