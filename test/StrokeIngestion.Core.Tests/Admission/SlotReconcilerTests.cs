using Microsoft.Extensions.Time.Testing;
using Moq;
using StrokeIngestion.Core.Admission;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Ports;
using StrokeIngestion.Core.Tests.Aws;
using StrokeIngestion.Core.Tests.Fakes;

namespace StrokeIngestion.Core.Tests.Admission;

public sealed class SlotReconcilerTests
{
    private const string DatastoreId = "0123456789abcdef0123456789abcdef";

    private readonly InMemoryAdmissionLedgerStore _ledger = new();
    private readonly InMemoryStudyStore _studies = new();
    private readonly Mock<IImportService> _imports = new(MockBehavior.Strict);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));
    private readonly Dictionary<string, string> _jobStatus = new(StringComparer.Ordinal);

    public SlotReconcilerTests()
    {
        _imports
            .Setup(i => i.GetImportJobAsync(DatastoreId, It.IsAny<string>(), It.IsAny<CancellationToken>()))
            .ReturnsAsync((string datastore, string jobId, CancellationToken _) =>
                _jobStatus.TryGetValue(jobId, out var status) ? new ImportJob(jobId, datastore, status, null, null, null, null) : null);
    }

    [Fact]
    public async Task ReconcileAsync_WhenTheImportEndedEventWasLostAndNoPollCame_ShouldFreeOnlyEndedJobsSlots()
    {
        var admission = new AdmissionController(_ledger, AdmissionLimits.Default, _time);
        var running = Study(1, "job1");
        var completed = Study(2, "job2");
        var failed = Study(3, "job3");
        var vanished = Study(4, "job4");
        var neverStarted = Study(5, jobId: null);
        _jobStatus["job1"] = ImportJobStatus.InProgress;
        _jobStatus["job2"] = ImportJobStatus.Completed;
        _jobStatus["job3"] = ImportJobStatus.Failed;
        foreach (var study in new[] { running, completed, failed, vanished, neverStarted })
        {
            await admission.TryAdmitAsync(study.StudyId, StudyPriority.Urgent, CancellationToken.None);
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        _time.Advance(SlotReconciler.StartGrace);
        var freed = await new SlotReconciler(admission, _studies, _imports.Object).ReconcileAsync(CancellationToken.None);

        Assert.Equal([completed.StudyId, failed.StudyId, vanished.StudyId, neverStarted.StudyId], freed.OrderBy(id => id.Value));
        Assert.Equal([running.StudyId.Value], _ledger.Ledger!.SlotHolders.Keys);

        // The import-ended event arriving late frees nothing more.
        Assert.False(await admission.ReleaseAsync(completed.StudyId, CancellationToken.None));
    }

    [Fact]
    public async Task ReconcileAsync_WhenAJobEndedMomentsAgo_ShouldFreeItsSlotWithoutWaitingOutTheGrace()
    {
        var admission = new AdmissionController(_ledger, AdmissionLimits.Default, _time);
        var completed = Study(1, "job1");
        var startInFlight = Study(2, jobId: null);
        _jobStatus["job1"] = ImportJobStatus.Completed;
        await admission.TryAdmitAsync(completed.StudyId, StudyPriority.Urgent, CancellationToken.None);
        await admission.TryAdmitAsync(startInFlight.StudyId, StudyPriority.Urgent, CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(30));

        var freed = await new SlotReconciler(admission, _studies, _imports.Object).ReconcileAsync(CancellationToken.None);

        Assert.Equal([completed.StudyId], freed);
        Assert.Equal([startInFlight.StudyId.Value], _ledger.Ledger!.SlotHolders.Keys);
    }

    private Study Study(int n, string? jobId)
    {
        Assert.True(StudyId.TryParse($"STUDY-{n:D12}", out var id));
        var study = DynamoDbTestStudies.Minimal(id) with
        {
            DatastoreId = DatastoreId,
            Status = jobId is null ? StudyStatus.Queued : StudyStatus.Importing,
            ImportJobId = jobId,
        };
        _studies.Put(study);
        return study;
    }
}
