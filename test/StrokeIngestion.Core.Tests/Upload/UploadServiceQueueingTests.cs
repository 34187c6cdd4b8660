using Microsoft.Extensions.Time.Testing;
using Moq;
using StrokeIngestion.Core.Admission;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Errors;
using StrokeIngestion.Core.Http;
using StrokeIngestion.Core.Ports;
using StrokeIngestion.Core.Resilience;
using StrokeIngestion.Core.Tests.Fakes;
using StrokeIngestion.Core.Upload;

namespace StrokeIngestion.Core.Tests.Upload;

/// <summary>The request path with the import queue: validate, record QUEUED, enqueue, answer with the place in line.</summary>
public sealed class UploadServiceQueueingTests
{
    private const string PatientId = "P123456";

    private readonly InMemoryObjectStore _objects = new();
    private readonly InMemoryStudyStore _studies = new();
    private readonly InMemoryImportBacklog _backlog = new();
    private readonly InMemoryAdmissionLedgerStore _ledger = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));

    // Strict and without setups: a queued request must never start an import or a workflow.
    private readonly Mock<IImportService> _imports = new(MockBehavior.Strict);
    private readonly Mock<IWorkflowStarter> _workflows = new(MockBehavior.Strict);

    private UploadService Service()
    {
        var retry = new RetryPolicy(3, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), (_, _) => Task.CompletedTask, () => 0.5);
        var admission = new AdmissionController(_ledger, AdmissionLimits.Default, _time);
        return new UploadService(_objects, _studies, _imports.Object, _workflows.Object, TestUploadSettings.Create(), _time, retry, retry, new ImportQueueing(_backlog, admission) { StartAtOnce = false });
    }

    private static UploadCommand Command(StudyPriority priority = StudyPriority.Urgent, string? key = null, string fileKey = "uploads/brain_scan.dcm") => new()
    {
        PatientId = PatientId,
        StudyDescription = "Brain CT",
        FileKey = fileKey,
        Priority = priority,
        IdempotencyKey = key,
    };

    private void PutCt(string key = "uploads/brain_scan.dcm") =>
        _objects.Put(key, TestDicom.Create(PatientId, "CT", TestDicom.StudyUid, TestDicom.SeriesUid, null));

    [Fact]
    public async Task StartAsync_WhenQueueing_ShouldRecordQueuedAndEnqueueWithoutCopyingOrImporting()
    {
        PutCt();

        var outcome = await Service().StartAsync(Command(), CancellationToken.None);

        var study = Assert.IsType<Study>(outcome.Study);
        Assert.Equal(StudyStatus.Queued, study.Status);
        var stored = Assert.IsType<Study>(_studies[study.StudyId]);
        Assert.Equal((StudyStatus.Queued, "urgent", "2026-12-04T12:00:00.000Z"), (stored.Status, stored.Priority, stored.QueuedAt));
        Assert.Equal(UploadService.SourceDigest([(await _objects.GetInfoAsync("uploads/brain_scan.dcm", CancellationToken.None))!]), stored.SourceDigest);
        Assert.Equal([(study.StudyId, StudyPriority.Urgent)], _backlog.Sent);
        Assert.Empty(_objects.Copies);
        Assert.Equal(new QueueEstimate(1, _time.GetUtcNow()), outcome.Estimate);
    }

    [Fact]
    public async Task StartAsync_WhenABackfillIsQueued_ShouldPlaceRoutineBehindEveryoneAndUrgentBehindUrgentOnly()
    {
        _backlog.Waiting = new QueueBacklog(Urgent: 3, Routine: 200);
        PutCt("uploads/a.dcm");
        PutCt("uploads/b.dcm");

        var routine = await Service().StartAsync(Command(StudyPriority.Routine, fileKey: "uploads/a.dcm"), CancellationToken.None);
        var urgent = await Service().StartAsync(Command(StudyPriority.Urgent, fileKey: "uploads/b.dcm"), CancellationToken.None);

        Assert.Equal(204, routine.Estimate?.Position);
        Assert.Equal(4, urgent.Estimate?.Position);
        Assert.True(urgent.Estimate?.EstimatedStart < routine.Estimate?.EstimatedStart);
        Assert.Equal("routine", _studies[routine.Study!.StudyId]?.Priority);
    }

    [Fact]
    public async Task StartAsync_WhenRetriedWithTheSameKeyWhileQueued_ShouldSendAgainWithoutReadingTheObjects()
    {
        PutCt();
        var first = await Service().StartAsync(Command(key: "k-1"), CancellationToken.None);
        var readsBefore = _objects.RangeReads;

        var again = await Service().StartAsync(Command(key: "k-1"), CancellationToken.None);

        Assert.Equal(first.Study?.StudyId, again.Study?.StudyId);
        Assert.Equal(StudyStatus.Queued, again.Study?.Status);
        Assert.Equal(readsBefore, _objects.RangeReads);
        Assert.Equal(2, _backlog.Sent.Count);
        Assert.Single(_studies.All);
    }

    [Fact]
    public async Task StartAsync_WhenTheQueueIsThrottling_ShouldAnswer503WithRetryAfterFromTheBacklogAndKeepTheStudyQueued()
    {
        PutCt();
        _backlog.Waiting = new QueueBacklog(Urgent: 9, Routine: 1000);
        for (var i = 0; i < 3; i++)
        {
            _backlog.EnqueueFailures.Enqueue(new TransientDependencyException(Dependency.S3, "ThrottlingException", "slow down", throttled: true));
        }

        var outcome = await Service().StartAsync(Command(key: "k-2"), CancellationToken.None);

        var error = Assert.IsType<UploadError>(outcome.Error);
        Assert.Equal((503, "dependency_throttled"), (error.StatusCode, error.Code));

        // Nine urgent studies ahead, two tokens in the bucket, one start per second: 8 s.
        Assert.Equal(TimeSpan.FromSeconds(8), error.RetryAfter);
        Assert.Equal(StudyStatus.Queued, Assert.Single(_studies.All).Status);
    }

    [Fact]
    public async Task StartAsync_WhenTheBacklogCannotBeRead_ShouldStillAcceptTheQueuedStudyWithoutAnEstimate()
    {
        PutCt();
        _backlog.BacklogFailures.Enqueue(new TransientDependencyException(Dependency.S3, "ServiceUnavailable", "down", throttled: false));

        var outcome = await Service().StartAsync(Command(), CancellationToken.None);

        Assert.Null(outcome.Error);
        Assert.Null(outcome.Estimate);
        Assert.Single(_backlog.Sent);
    }

    [Fact]
    public async Task StartAsync_WhenAQueuedStudyIsRetriedAfterQueueingWasSwitchedOff_ShouldStartItInlineAndMarkItImporting()
    {
        PutCt();
        var queued = await Service().StartAsync(Command(key: "k-3"), CancellationToken.None);
        _imports
            .Setup(i => i.StartImportAsync(It.IsAny<ImportJobRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((ImportJobRequest r, CancellationToken _) => new ImportJob("job1", r.DatastoreId, ImportJobStatus.Submitted, null, null, null, null));
        _workflows
            .Setup(w => w.StartAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new WorkflowStart("arn:aws:states:us-east-1:111122223333:execution:sm:x", false));
        var retry = new RetryPolicy(1, TimeSpan.Zero, TimeSpan.Zero, (_, _) => Task.CompletedTask, () => 0);
        var inline = new UploadService(_objects, _studies, _imports.Object, _workflows.Object, TestUploadSettings.Create(), _time, retry, retry);

        var outcome = await inline.StartAsync(Command(key: "k-3"), CancellationToken.None);

        Assert.Equal(queued.Study?.StudyId, outcome.Study?.StudyId);
        Assert.Equal(StudyStatus.Importing, _studies[queued.Study!.StudyId]?.Status);
        Assert.Equal("job1", _studies[queued.Study.StudyId]?.ImportJobId);
    }

    [Fact]
    public async Task ToResponse_WhenQueued_ShouldAnswer202QueuedWithPositionEstimateAndNoJob()
    {
        PutCt();
        _backlog.Waiting = new QueueBacklog(Urgent: 4, Routine: 0);
        var outcome = await Service().StartAsync(Command(), CancellationToken.None);

        var response = UploadEndpoint.ToResponse(outcome);

        Assert.Equal(202, response.StatusCode);
        Assert.Contains("\"status\":\"queued\"", response.Body, StringComparison.Ordinal);
        Assert.Contains("\"import_job_id\":null", response.Body, StringComparison.Ordinal);
        Assert.Contains("\"priority\":\"urgent\"", response.Body, StringComparison.Ordinal);
        Assert.Contains("\"queue_position\":5", response.Body, StringComparison.Ordinal);
        Assert.Contains("\"estimated_start\":\"2026-12-04T12:00:03.000Z\"", response.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(PatientId, response.Body, StringComparison.Ordinal);
    }
}
