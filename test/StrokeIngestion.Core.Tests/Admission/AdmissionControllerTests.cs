using Microsoft.Extensions.Time.Testing;
using StrokeIngestion.Core.Admission;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Tests.Fakes;

namespace StrokeIngestion.Core.Tests.Admission;

public sealed class AdmissionControllerTests
{
    private static readonly AdmissionLimits Limits = AdmissionLimits.Create(startsPerSecond: 1, startBurst: 2, maxConcurrentJobs: 3, urgentReservedJobs: 1);

    private readonly InMemoryAdmissionLedgerStore _store = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));

    private AdmissionController Controller() => new(_store, Limits, _time);

    [Fact]
    public async Task TryAdmitAsync_WhenNoLedgerExists_ShouldCreateItWithTheStudyHoldingASlot()
    {
        var decision = await Controller().TryAdmitAsync(Id(1), StudyPriority.Urgent, CancellationToken.None);

        Assert.True(decision.Admitted);
        Assert.Equal([Id(1).Value], _store.Ledger!.SlotHolders.Keys);
        Assert.Equal(1, _store.Ledger.Tokens);
    }

    [Fact]
    public async Task TryAdmitAsync_WhenAnotherDispatcherWritesFirst_ShouldDecideAgainOnTheNewLedger()
    {
        var controller = Controller();
        await controller.TryAdmitAsync(Id(1), StudyPriority.Urgent, CancellationToken.None);

        // Between our read and our write, another dispatcher takes the last token.
        _store.BeforeWrite.Enqueue(s => s.Put(s.Ledger! with { Tokens = 0 }));
        var decision = await controller.TryAdmitAsync(Id(2), StudyPriority.Routine, CancellationToken.None);

        Assert.Equal(AdmissionOutcome.NoStartToken, decision.Outcome);
        Assert.Equal(1, _store.RefusedWrites);
        Assert.False(_store.Ledger!.SlotHolders.ContainsKey(Id(2).Value));
    }

    [Fact]
    public async Task TryAdmitAsync_WhenRoutineIsRefused_ShouldNotWriteTheLedger()
    {
        var controller = Controller();
        await controller.TryAdmitAsync(Id(1), StudyPriority.Routine, CancellationToken.None);
        await controller.TryAdmitAsync(Id(2), StudyPriority.Routine, CancellationToken.None);
        var writes = _store.Writes;

        var refused = await controller.TryAdmitAsync(Id(3), StudyPriority.Routine, CancellationToken.None);

        Assert.Equal(AdmissionOutcome.NoJobSlot, refused.Outcome);
        Assert.Equal(writes, _store.Writes);
    }

    [Fact]
    public async Task ReleaseAsync_WhenTheEventAndThePollBothEndTheJob_ShouldFreeTheSlotOnce()
    {
        var controller = Controller();
        await controller.TryAdmitAsync(Id(1), StudyPriority.Urgent, CancellationToken.None);
        await controller.TryAdmitAsync(Id(2), StudyPriority.Urgent, CancellationToken.None);

        var byEvent = await controller.ReleaseAsync(Id(1), CancellationToken.None);
        var byPoll = await controller.ReleaseAsync(Id(1), CancellationToken.None);

        Assert.True(byEvent);
        Assert.False(byPoll);
        Assert.Equal([Id(2).Value], _store.Ledger!.SlotHolders.Keys);
    }

    [Fact]
    public async Task ReleaseAsync_WhenNoLedgerExists_ShouldFreeNothing()
    {
        Assert.False(await Controller().ReleaseAsync(Id(1), CancellationToken.None));
        Assert.Null(_store.Ledger);
    }

    [Fact]
    public async Task ReconcileAsync_WhenAnImportEndedEventWasLost_ShouldFreeTheSlotOfTheEndedJobOnly()
    {
        var controller = Controller();
        await controller.TryAdmitAsync(Id(1), StudyPriority.Urgent, CancellationToken.None);
        await controller.TryAdmitAsync(Id(2), StudyPriority.Urgent, CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(2));

        var freed = await controller.ReconcileAsync((id, _, _) => Task.FromResult(id == Id(2)), CancellationToken.None);

        Assert.Equal([Id(1)], freed);
        Assert.Equal([Id(2).Value], _store.Ledger!.SlotHolders.Keys);
    }

    [Fact]
    public async Task ReconcileAsync_ShouldTellTheCheckHowLongEachHolderHasHeldItsSlot()
    {
        var controller = Controller();
        await controller.TryAdmitAsync(Id(1), StudyPriority.Urgent, CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(10));
        var heldFor = TimeSpan.Zero;

        var freed = await controller.ReconcileAsync((_, held, _) => { heldFor = held; return Task.FromResult(true); }, CancellationToken.None);

        Assert.Empty(freed);
        Assert.Equal(TimeSpan.FromSeconds(10), heldFor);
        Assert.Single(_store.Ledger!.SlotHolders);
    }

    [Fact]
    public async Task AbandonAsync_WhenTheStartWasThrottled_ShouldMakeTheSlotAvailableAgain()
    {
        var controller = Controller();
        await controller.TryAdmitAsync(Id(1), StudyPriority.Routine, CancellationToken.None);
        await controller.TryAdmitAsync(Id(2), StudyPriority.Routine, CancellationToken.None);

        Assert.True(await controller.AbandonAsync(Id(2), CancellationToken.None));
        _time.Advance(TimeSpan.FromSeconds(1));
        var third = await controller.TryAdmitAsync(Id(3), StudyPriority.Routine, CancellationToken.None);

        Assert.True(third.Admitted);
    }

    private static StudyId Id(int n) => StudyId.TryParse($"STUDY-{n:D12}", out var id) ? id : throw new ArgumentException("bad id");
}
