using StrokeIngestion.Core.Admission;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Monitoring;
using StrokeIngestion.Core.Tests.Fakes;
using StrokeIngestion.Core.Tests.Monitoring.Support;

namespace StrokeIngestion.Core.Tests.Monitoring;

/// <summary>The job slot is freed by whichever sees the import end first: the import-ended event or the monitor's poll.</summary>
public sealed class ImportSlotReleaseTests
{
    private readonly MonitorScenario _scenario = new();
    private readonly InMemoryAdmissionLedgerStore _ledger = new();
    private readonly AdmissionController _admission;

    public ImportSlotReleaseTests()
    {
        _admission = new AdmissionController(_ledger, AdmissionLimits.Default, _scenario.Time);
    }

    private ImportMonitorService Monitor() =>
        new(_scenario.Imports.Object, _scenario.Objects, _scenario.Studies, _scenario.Time, _scenario.Log, admission: _admission);

    private ImportEventService Events() =>
        new(_scenario.Studies, new RecordingWorkflowCallback(), _scenario.Time, _scenario.Log, _admission);

    [Fact]
    public async Task PollAsync_WhenTheJobIsStillRunning_ShouldKeepTheSlot()
    {
        await _admission.TryAdmitAsync(MonitorScenario.Study, StudyPriority.Urgent, CancellationToken.None);
        _scenario.GivenJob(ImportJobStatus.InProgress);

        await Monitor().PollAsync(MonitorScenario.Request(), CancellationToken.None);

        Assert.Single(_ledger.Ledger!.SlotHolders);
    }

    [Fact]
    public async Task PollAsync_WhenTheJobFailed_ShouldFreeTheSlot()
    {
        await _admission.TryAdmitAsync(MonitorScenario.Study, StudyPriority.Urgent, CancellationToken.None);
        _scenario.GivenJob(ImportJobStatus.Failed, message: "bad input");

        var outcome = await Monitor().PollAsync(MonitorScenario.Request(), CancellationToken.None);

        Assert.Equal(StudyStatus.ImportFailed, outcome.Status);
        Assert.Empty(_ledger.Ledger!.SlotHolders);
    }

    [Fact]
    public async Task RecordImportEventAsync_WhenTheEventComesBeforeThePoll_ShouldFreeTheSlotOnceForBoth()
    {
        _scenario.Studies.Put(MonitorScenario.NewStudy());
        await _admission.TryAdmitAsync(MonitorScenario.Study, StudyPriority.Urgent, CancellationToken.None);
        var writesAfterAdmission = _ledger.Writes;

        await Events().RecordImportEventAsync(new ImportJobEndEvent(MonitorScenario.DatastoreId, MonitorScenario.JobId, "stroke-" + MonitorScenario.Study.Value, ImportJobStatus.Failed), CancellationToken.None);
        _scenario.GivenJob(ImportJobStatus.Failed, message: "bad input");
        await Monitor().PollAsync(MonitorScenario.Request(), CancellationToken.None);

        Assert.Empty(_ledger.Ledger!.SlotHolders);
        Assert.Equal(writesAfterAdmission + 1, _ledger.Writes);
    }
}
