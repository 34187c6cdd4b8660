using Microsoft.Extensions.Time.Testing;
using Moq;
using StrokeIngestion.Core.Admission;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Errors;
using StrokeIngestion.Core.Ports;
using StrokeIngestion.Core.Resilience;
using StrokeIngestion.Core.Tests.Fakes;
using StrokeIngestion.Core.Tests.Upload;
using StrokeIngestion.Core.Upload;

namespace StrokeIngestion.Core.Tests.Admission;

public sealed class ImportDispatchServiceTests
{
    private const string PatientId = "P123456";
    private static readonly AdmissionLimits Limits = AdmissionLimits.Create(startsPerSecond: 1, startBurst: 2, maxConcurrentJobs: 3, urgentReservedJobs: 1);

    private readonly InMemoryObjectStore _objects = new();
    private readonly InMemoryStudyStore _studies = new();
    private readonly InMemoryImportBacklog _backlog = new();
    private readonly InMemoryAdmissionLedgerStore _ledger = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
    private readonly Mock<IImportService> _imports = new(MockBehavior.Strict);
    private readonly Mock<IWorkflowStarter> _workflows = new(MockBehavior.Strict);
    private readonly List<ImportJobRequest> _importRequests = [];
    private readonly Queue<Exception> _importFailures = new();
    private readonly Queue<Exception> _workflowFailures = new();
    private readonly RetryPolicy _retry = new(3, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), (_, _) => Task.CompletedTask, () => 0.5);

    public ImportDispatchServiceTests()
    {
        _imports
            .Setup(i => i.StartImportAsync(It.IsAny<ImportJobRequest>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((ImportJobRequest request, CancellationToken _) =>
            {
                _importRequests.Add(request);
                return _importFailures.TryDequeue(out var failure)
                    ? throw failure
                    : new ImportJob("job-" + request.ClientToken[6..], request.DatastoreId, ImportJobStatus.Submitted, null, null, _time.GetUtcNow(), null);
            });
        _workflows
            .Setup(w => w.StartAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string name, string _, CancellationToken _) =>
                _workflowFailures.TryDequeue(out var failure) ? throw failure : new WorkflowStart("arn:aws:states:us-east-1:111122223333:execution:sm:" + name, false));
    }

    private AdmissionController Admission() => new(_ledger, Limits, _time);

    private ImportDispatchService Dispatcher()
    {
        var launcher = new ImportLauncher(_objects, _studies, _workflows.Object, TestUploadSettings.Create(), _time, _retry);
        return new ImportDispatchService(_studies, _objects, _imports.Object, launcher, Admission(), _retry, _time);
    }

    private async Task<Study> QueueAsync(string folder = "uploads/study-1/", int files = 3, StudyPriority priority = StudyPriority.Urgent)
    {
        for (var i = 0; i < files; i++)
        {
            _objects.Put($"{folder}{i:D3}.dcm", TestDicom.Create(PatientId, "CT", TestDicom.StudyUid, TestDicom.SeriesUid, null));
        }

        var service = new UploadService(_objects, _studies, _imports.Object, _workflows.Object, TestUploadSettings.Create(), _time, _retry, _retry, new ImportQueueing(_backlog, Admission()) { StartAtOnce = false });
        var outcome = await service.StartAsync(new UploadCommand { PatientId = PatientId, StudyDescription = "", FileKey = folder, Priority = priority }, CancellationToken.None);
        return Assert.IsType<Study>(outcome.Study);
    }

    [Fact]
    public async Task DispatchAsync_WhenAdmitted_ShouldCopyStartOneImportAndTheWorkflowAndMarkImporting()
    {
        var study = await QueueAsync();

        var result = await Dispatcher().DispatchAsync(study.StudyId, StudyPriority.Urgent, 1, CancellationToken.None);

        Assert.Equal((true, "started"), (result.Done, result.Outcome));
        Assert.Equal(3, _objects.Copies.Count);
        var import = Assert.Single(_importRequests);
        Assert.Equal(study.StudyId.Value, import.ClientToken);
        var stored = _studies[study.StudyId]!;
        Assert.Equal(StudyStatus.Importing, stored.Status);
        Assert.Equal("job-" + study.StudyId.Value[6..], stored.ImportJobId);
        Assert.Contains(study.StudyId.Value, _ledger.Ledger!.SlotHolders.Keys);
    }

    [Fact]
    public async Task DispatchAsync_WhenNoStartTokenIsLeft_ShouldPutTheMessageBackWithoutTouchingTheStudy()
    {
        var studies = new List<Study>();
        for (var i = 0; i < 3; i++)
        {
            studies.Add(await QueueAsync($"uploads/s{i}/", files: 1));
        }

        await Dispatcher().DispatchAsync(studies[0].StudyId, StudyPriority.Urgent, 1, CancellationToken.None);
        await Dispatcher().DispatchAsync(studies[1].StudyId, StudyPriority.Urgent, 1, CancellationToken.None);
        var third = await Dispatcher().DispatchAsync(studies[2].StudyId, StudyPriority.Urgent, 1, CancellationToken.None);

        Assert.Equal((false, "no_start_token", TimeSpan.FromSeconds(1)), (third.Done, third.Outcome, third.RetryAfter));
        Assert.Equal(StudyStatus.Queued, _studies[studies[2].StudyId]!.Status);
        Assert.Equal(2, _importRequests.Count);
        Assert.Equal(2, _objects.Copies.Count);
    }

    [Theory]
    [InlineData("ThrottlingException")]
    [InlineData("ServiceQuotaExceededException")]
    public async Task DispatchAsync_WhenStartIsThrottledOrOverQuota_ShouldFreeTheSlotKeepTheStudyQueuedAndNeverCopyTwice(string code)
    {
        var study = await QueueAsync(files: 4);
        _importFailures.Enqueue(new TransientDependencyException(Dependency.HealthImaging, code, "refused", throttled: true));

        var first = await Dispatcher().DispatchAsync(study.StudyId, StudyPriority.Urgent, 1, CancellationToken.None);

        Assert.Equal((false, "throttled"), (first.Done, first.Outcome));
        Assert.Equal(StudyStatus.Queued, _studies[study.StudyId]!.Status);
        Assert.Null(_studies[study.StudyId]!.FailureReason);
        Assert.Empty(_ledger.Ledger!.SlotHolders);

        _time.Advance(first.RetryAfter);
        var second = await Dispatcher().DispatchAsync(study.StudyId, StudyPriority.Urgent, 2, CancellationToken.None);

        Assert.Equal((true, "started"), (second.Done, second.Outcome));
        Assert.Equal(4, _objects.Copies.Count);
        Assert.Equal(2, _importRequests.Select(r => r.ClientToken).Where(t => t == study.StudyId.Value).Count());
        Assert.Equal(StudyStatus.Importing, _studies[study.StudyId]!.Status);
    }

    [Fact]
    public async Task DispatchAsync_WhenTheWorkflowStartFailsAfterTheJobStarted_ShouldKeepTheSlotAndFinishOnRedelivery()
    {
        var study = await QueueAsync(files: 2);
        for (var i = 0; i < 3; i++)
        {
            _workflowFailures.Enqueue(new TransientDependencyException(Dependency.StepFunctions, "ServiceUnavailable", "down", throttled: false));
        }

        var first = await Dispatcher().DispatchAsync(study.StudyId, StudyPriority.Urgent, 1, CancellationToken.None);
        Assert.Equal((false, "unavailable"), (first.Done, first.Outcome));
        Assert.Single(_ledger.Ledger!.SlotHolders);

        _time.Advance(TimeSpan.FromSeconds(1));
        var second = await Dispatcher().DispatchAsync(study.StudyId, StudyPriority.Urgent, 2, CancellationToken.None);

        Assert.True(second.Done);
        Assert.Single(_ledger.Ledger!.SlotHolders);
        Assert.Equal(2, _objects.Copies.Count);
        Assert.Equal(StudyStatus.Importing, _studies[study.StudyId]!.Status);
    }

    [Fact]
    public async Task DispatchAsync_WhenTheStudyAlreadyStarted_ShouldDropTheMessageWithoutAnyCall()
    {
        var study = await QueueAsync(files: 1);
        await Dispatcher().DispatchAsync(study.StudyId, StudyPriority.Urgent, 1, CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(5));

        var repeat = await Dispatcher().DispatchAsync(study.StudyId, StudyPriority.Urgent, 1, CancellationToken.None);

        Assert.Equal((true, "already_started"), (repeat.Done, repeat.Outcome));
        Assert.Single(_importRequests);
    }

    [Fact]
    public async Task DispatchAsync_WhenTheStudyIsUnknown_ShouldDropTheMessage()
    {
        Assert.True(StudyId.TryParse("STUDY-0123456789ab", out var id));

        var result = await Dispatcher().DispatchAsync(id, StudyPriority.Urgent, 1, CancellationToken.None);

        Assert.Equal((true, "unknown_study"), (result.Done, result.Outcome));
        Assert.Null(_ledger.Ledger);
    }

    [Fact]
    public async Task DispatchAsync_WhenAnObjectChangedAfterValidation_ShouldFailTheStudyAndFreeTheSlot()
    {
        var study = await QueueAsync(files: 2);
        _objects.Put("uploads/study-1/001.dcm", TestDicom.Create("OTHER", "CT", TestDicom.StudyUid, TestDicom.SeriesUid, null));

        var result = await Dispatcher().DispatchAsync(study.StudyId, StudyPriority.Urgent, 1, CancellationToken.None);

        Assert.Equal((true, "objects_changed"), (result.Done, result.Outcome));
        var stored = _studies[study.StudyId]!;
        Assert.Equal((StudyStatus.UploadFailed, "objects_changed"), (stored.Status, stored.FailureReason));
        Assert.Empty(_ledger.Ledger!.SlotHolders);
        Assert.Empty(_objects.Copies);
        Assert.Empty(_importRequests);
    }

    [Fact]
    public async Task DispatchAsync_WhenRoutineWorkFillsItsSlots_ShouldStillStartAnUrgentStudy()
    {
        var routine = new List<Study>();
        for (var i = 0; i < 3; i++)
        {
            routine.Add(await QueueAsync($"uploads/r{i}/", files: 1, StudyPriority.Routine));
        }

        var urgent = await QueueAsync("uploads/u/", files: 1, StudyPriority.Urgent);
        var results = new List<DispatchResult>();
        foreach (var study in routine)
        {
            results.Add(await Dispatcher().DispatchAsync(study.StudyId, StudyPriority.Routine, 1, CancellationToken.None));
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        var urgentResult = await Dispatcher().DispatchAsync(urgent.StudyId, StudyPriority.Urgent, 1, CancellationToken.None);

        Assert.Equal(["started", "started", "no_job_slot"], results.Select(r => r.Outcome));
        Assert.Equal("started", urgentResult.Outcome);
        Assert.Equal(3, _ledger.Ledger!.RunningJobs);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(4, 8)]
    [InlineData(7, 60)]
    [InlineData(50, 60)]
    public void Backoff_WhenDeliveredAgain_ShouldDoubleUpToAMinute(int receiveCount, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), ImportDispatchService.Backoff(receiveCount));
    }
}
