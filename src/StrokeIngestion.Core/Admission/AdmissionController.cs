using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Errors;
using StrokeIngestion.Core.Ports;

namespace StrokeIngestion.Core.Admission;

/// <summary>
/// Applies <see cref="AdmissionRules"/> to the stored ledger: read, decide, write if the
/// version is unchanged, and start over when another dispatcher wrote first.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001:Types that own disposable fields should be disposable", Justification = "The semaphore has no wait handle unless AvailableWaitHandle is read; the controller lives as long as its function instance.")]
public sealed class AdmissionController
{
    /// <summary>Lost races before giving up on one attempt; the caller then retries later like any refusal.</summary>
    private const int MaxRaces = 8;

    private readonly IAdmissionLedgerStore _store;
    private readonly TimeProvider _time;

    /// <summary>
    /// One ledger change at a time per process: concurrent dispatches in one invocation would
    /// otherwise lose version races to each other and give up as if no token were left.
    /// </summary>
    private readonly SemaphoreSlim _writes = new(1, 1);

    public AdmissionController(IAdmissionLedgerStore store, AdmissionLimits limits, TimeProvider time)
    {
        _store = store;
        Limits = limits;
        _time = time;
    }

    public AdmissionLimits Limits { get; }

    /// <summary>The ledger now (tokens refilled to this instant); an empty one when none is stored.</summary>
    public async Task<AdmissionLedger> ReadAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var stored = await _store.ReadAsync(cancellationToken);
        return AdmissionRules.Refill(stored?.Ledger ?? AdmissionLedger.Empty(Limits, now), Limits, now);
    }

    /// <summary>
    /// Takes a start token and a job slot for the study, or says why not and for how long to
    /// wait. Idempotent per study for the slot: a study admitted before keeps its one slot.
    /// </summary>
    public async Task<AdmissionDecision> TryAdmitAsync(StudyId id, StudyPriority priority, CancellationToken cancellationToken)
    {
        await _writes.WaitAsync(cancellationToken);
        try
        {
            return await TryAdmitCoreAsync(id, priority, cancellationToken);
        }
        finally
        {
            _writes.Release();
        }
    }

    private async Task<AdmissionDecision> TryAdmitCoreAsync(StudyId id, StudyPriority priority, CancellationToken cancellationToken)
    {
        AdmissionDecision? decision = null;
        for (var race = 0; race < MaxRaces; race++)
        {
            var now = _time.GetUtcNow();
            var stored = await _store.ReadAsync(cancellationToken);
            var ledger = stored?.Ledger ?? AdmissionLedger.Empty(Limits, now);
            decision = AdmissionRules.TryAdmit(ledger, id.Value, priority, Limits, now);
            var mustRecord = decision.Admitted || priority == StudyPriority.Urgent;
            if (!mustRecord || await _store.TryWriteAsync(decision.Ledger, stored?.Version ?? 0, cancellationToken))
            {
                return decision;
            }
        }

        // Heavy contention on the ledger: behave as if no token was left.
        var fallback = decision ?? throw new InvalidOperationException("No admission attempt was made.");
        return fallback with { Outcome = AdmissionOutcome.NoStartToken, RetryAfter = TimeSpan.FromSeconds(1) };
    }

    /// <summary>Frees the study's slot because its import ended. A second call for the same study frees nothing.</summary>
    /// <returns>True when this call freed the slot.</returns>
    public Task<bool> ReleaseAsync(StudyId id, CancellationToken cancellationToken) =>
        ChangeAsync(ledger => AdmissionRules.Release(ledger, id.Value, _time.GetUtcNow()), cancellationToken);

    /// <summary>
    /// <see cref="ReleaseAsync"/> for the monitor and the import-event handler, which must not
    /// fail their own work over it: a release that fails here is made by the sweeper's
    /// reconciliation instead.
    /// </summary>
    public async Task<bool> ReleaseBestEffortAsync(StudyId id, CancellationToken cancellationToken)
    {
        try
        {
            return await ReleaseAsync(id, cancellationToken);
        }
        catch (DependencyException)
        {
            return false;
        }
    }

    /// <summary>Frees the study's slot because its import did not start (throttled, quota, crash before the start).</summary>
    public Task<bool> AbandonAsync(StudyId id, CancellationToken cancellationToken) =>
        ChangeAsync(ledger => AdmissionRules.Abandon(ledger, id.Value), cancellationToken);

    /// <summary>
    /// Frees the slot of every holder whose import is no longer running, so that a lost
    /// import-ended event (or a dispatcher that died after taking a slot) never leaks one.
    /// </summary>
    /// <param name="stillHeld">Given a holder and how long it has held its slot: true while the slot is rightly held.</param>
    /// <returns>The study ids whose slot was freed.</returns>
    public async Task<IReadOnlyList<StudyId>> ReconcileAsync(Func<StudyId, TimeSpan, CancellationToken, Task<bool>> stillHeld, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stillHeld);
        var ledger = await ReadAsync(cancellationToken);
        var now = _time.GetUtcNow();
        var freed = new List<StudyId>();
        foreach (var (holder, since) in ledger.SlotHolders)
        {
            if (StudyId.TryParse(holder, out var id)
                && !await stillHeld(id, now - since, cancellationToken)
                && await ReleaseAsync(id, cancellationToken))
            {
                freed.Add(id);
            }
        }

        return freed;
    }

    private async Task<bool> ChangeAsync(Func<AdmissionLedger, (AdmissionLedger Ledger, bool Changed)> change, CancellationToken cancellationToken)
    {
        await _writes.WaitAsync(cancellationToken);
        try
        {
            return await ChangeCoreAsync(change, cancellationToken);
        }
        finally
        {
            _writes.Release();
        }
    }

    private async Task<bool> ChangeCoreAsync(Func<AdmissionLedger, (AdmissionLedger Ledger, bool Changed)> change, CancellationToken cancellationToken)
    {
        for (var race = 0; race < MaxRaces; race++)
        {
            var stored = await _store.ReadAsync(cancellationToken);
            if (stored is null)
            {
                return false;
            }

            var (ledger, changed) = change(stored.Ledger);
            if (!changed)
            {
                return false;
            }

            if (await _store.TryWriteAsync(ledger, stored.Version, cancellationToken))
            {
                return true;
            }
        }

        throw new TransientDependencyException(Dependency.DynamoDb, "LedgerContention", "The admission ledger kept changing under this write; retry.", throttled: true);
    }
}
