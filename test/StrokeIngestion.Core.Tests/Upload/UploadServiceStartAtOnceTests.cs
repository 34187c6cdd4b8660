using Microsoft.Extensions.Time.Testing;
using Moq;
using StrokeIngestion.Core.Admission;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Errors;
using StrokeIngestion.Core.Ports;
using StrokeIngestion.Core.Resilience;
using StrokeIngestion.Core.Tests.Fakes;
using StrokeIngestion.Core.Upload;

namespace StrokeIngestion.Core.Tests.Upload;

/// <summary>The request path with the import queue when capacity is free: start at once, queue otherwise, never refuse for capacity.</summary>
public sealed class UploadServiceStartAtOnceTests
{
    private const string PatientId = "P123456";

    private readonly InMemoryObjectStore _objects = new();
    private readonly InMemoryStudyStore _studies = new();
    private readonly InMemoryImportBacklog _backlog = new();
    private readonly InMemoryAdmissionLedgerStore _ledger = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
    private readonly Mock<IImportService> _imports = new(MockBehavior.Strict);
    private readonly Mock<IWorkflowStarter> _workflows = new(MockBehavior.Strict);
    private ImportQueueing? _queueing;

    public UploadServiceStartAtOnceTests()
    {
        _workflows
            .Setup(w => w.StartAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync(new WorkflowStart("arn:aws:states:us-east-1:111122223333:execution:sm:x", false));
    }

    private UploadService Service(AdmissionLimits? limits = null)
    {
        var retry = new RetryPolicy(3, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1), (_, _) => Task.CompletedTask, () => 0.5);
        _queueing ??= new ImportQueueing(_backlog, new AdmissionController(_ledger, limits ?? AdmissionLimits.Default, _time), _time);
        return new UploadService(_objects, _studies, _imports.Object, _workflows.Object, TestUploadSettings.Create(), _time, retry, retry, _queueing);
    }

    private void ImportsAnswer() => _imports
        .Setup(i => i.StartImportAsync(It.IsAny<ImportJobRequest>(), It.IsAny<CancellationToken>()))
        .ReturnsAsync((ImportJobRequest r, CancellationToken _) => new ImportJob("job-" + r.ClientToken, r.DatastoreId, ImportJobStatus.Submitted, null, null, null, null));

    private UploadCommand Command(int n, StudyPriority priority = StudyPriority.Urgent)
    {
        var key = $"uploads/scan-{n}.dcm";
        _objects.Put(key, TestDicom.Create(PatientId, "CT", $"{TestDicom.StudyUid}.{n}", TestDicom.SeriesUid, null));
        return new UploadCommand { PatientId = PatientId, StudyDescription = "Brain CT", FileKey = key, Priority = priority };
    }

    [Fact]
    public async Task StartAsync_WhenNothingIsQueuedAndCapacityIsFree_ShouldStartTheImportInTheRequestAsBefore()
    {
        ImportsAnswer();

        var outcome = await Service().StartAsync(Command(1), CancellationToken.None);

        var study = Assert.IsType<Study>(outcome.Study);
        Assert.Equal(StudyStatus.Importing, _studies[study.StudyId]?.Status);
        Assert.Equal("job-" + study.StudyId.Value, _studies[study.StudyId]?.ImportJobId);
        Assert.Empty(_backlog.Sent);
        Assert.Equal([study.StudyId.Value], _ledger.Ledger!.SlotHolders.Keys);
    }

    [Fact]
    public async Task StartAsync_WhenAnUrgentStudyIsAlreadyQueued_ShouldQueueTheNextOneBehindItWithoutStartingIt()
    {
        _backlog.Waiting = new QueueBacklog(1, 0);

        var outcome = await Service().StartAsync(Command(1), CancellationToken.None);

        Assert.Equal(StudyStatus.Queued, outcome.Study?.Status);
        Assert.Equal(2, outcome.Estimate?.Position);
        Assert.Single(_backlog.Sent);
        _imports.Verify(i => i.StartImportAsync(It.IsAny<ImportJobRequest>(), It.IsAny<CancellationToken>()), Times.Never);
    }

    [Fact]
    public async Task StartAsync_WhenOnlyRoutineWorkIsQueued_ShouldStillStartAnUrgentStudyAtOnce()
    {
        ImportsAnswer();
        _backlog.Waiting = new QueueBacklog(0, 40);

        var outcome = await Service().StartAsync(Command(1), CancellationToken.None);

        Assert.Equal(StudyStatus.Importing, outcome.Study?.Status);
        Assert.Empty(_backlog.Sent);
    }

    [Fact]
    public async Task StartAsync_WhenTheStartTokensAreSpent_ShouldQueueTheThirdStudyInsteadOfRefusingIt()
    {
        ImportsAnswer();
        var service = Service();

        // Burst 2: two studies start at once, the third in the same instant is queued.
        var outcomes = new List<UploadOutcome>();
        for (var n = 1; n <= 3; n++)
        {
            outcomes.Add(await service.StartAsync(Command(n), CancellationToken.None));
        }

        Assert.Equal([StudyStatus.Importing, StudyStatus.Importing, StudyStatus.Queued], outcomes.Select(o => o.Study?.Status));
        Assert.All(outcomes, o => Assert.Null(o.Error));
        Assert.Single(_backlog.Sent);
    }

    [Theory]
    [InlineData("ThrottlingException", true)]
    [InlineData("AccessDeniedException", false)]
    public async Task StartAsync_WhenTheStartAtOnceFails_ShouldQueueTheStudyAndGiveItsSlotBack(string code, bool transient)
    {
        _imports
            .Setup(i => i.StartImportAsync(It.IsAny<ImportJobRequest>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(transient
                ? new TransientDependencyException(Dependency.HealthImaging, code, "slow down", throttled: true)
                : new DependencyException(Dependency.HealthImaging, code, "denied"));

        var outcome = await Service().StartAsync(Command(1), CancellationToken.None);

        Assert.Null(outcome.Error);
        Assert.Equal(StudyStatus.Queued, _studies[outcome.Study!.StudyId]?.Status);
        Assert.Single(_backlog.Sent);
        Assert.Empty(_ledger.Ledger!.SlotHolders);
        _imports.Verify(i => i.StartImportAsync(It.IsAny<ImportJobRequest>(), It.IsAny<CancellationToken>()), Times.Once);
    }

    [Fact]
    public async Task StartAsync_WhenTheWorkflowFailsAfterTheJobStarted_ShouldQueueTheStudyAndKeepItsSlotForTheDispatcher()
    {
        ImportsAnswer();
        _workflows.Reset();
        _workflows
            .Setup(w => w.StartAsync(It.IsAny<string>(), It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ThrowsAsync(new DependencyException(Dependency.StepFunctions, "AccessDeniedException", "denied"));

        var outcome = await Service().StartAsync(Command(1), CancellationToken.None);

        Assert.Null(outcome.Error);
        Assert.Equal(StudyStatus.Queued, outcome.Study?.Status);
        Assert.Single(_backlog.Sent);
        Assert.Equal([outcome.Study!.StudyId.Value], _ledger.Ledger!.SlotHolders.Keys);
    }

    [Fact]
    public async Task StartAsync_WhenManyRequestsArriveWithinTheSnapshotAge_ShouldReadTheQueueDepthsOnceAndCountItsOwnSends()
    {
        _backlog.Waiting = new QueueBacklog(3, 0);
        var service = Service();

        var first = await service.StartAsync(Command(1), CancellationToken.None);
        var second = await service.StartAsync(Command(2), CancellationToken.None);
        _time.Advance(ImportQueueing.SnapshotMaxAge);
        await service.StartAsync(Command(3), CancellationToken.None);

        Assert.Equal((4, 5), (first.Estimate?.Position, second.Estimate?.Position));
        Assert.Equal(2, _backlog.BacklogReads);
    }

    [Fact]
    public async Task StartAsync_WhenTheStudyHasMoreFilesThanACopyInTheRequestAllows_ShouldQueueIt()
    {
        for (var n = 0; n <= ImportQueueing.StartAtOnceMaxFiles; n++)
        {
            _objects.Put($"uploads/big/{n:D4}.dcm", TestDicom.Create(PatientId, "CT", TestDicom.StudyUid, TestDicom.SeriesUid, null));
        }

        var outcome = await Service().StartAsync(
            new UploadCommand { PatientId = PatientId, StudyDescription = "Brain CT", FileKey = "uploads/big/", Priority = StudyPriority.Urgent },
            CancellationToken.None);

        Assert.Equal(StudyStatus.Queued, outcome.Study?.Status);
        _imports.Verify(i => i.StartImportAsync(It.IsAny<ImportJobRequest>(), It.IsAny<CancellationToken>()), Times.Never);
    }
}
