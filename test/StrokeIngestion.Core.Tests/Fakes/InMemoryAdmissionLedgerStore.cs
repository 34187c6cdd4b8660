using StrokeIngestion.Core.Admission;
using StrokeIngestion.Core.Ports;

namespace StrokeIngestion.Core.Tests.Fakes;

/// <summary>The ledger item with the real version condition, and a hook to play a concurrent writer.</summary>
internal sealed class InMemoryAdmissionLedgerStore : IAdmissionLedgerStore
{
    private readonly Lock _gate = new();
    private VersionedLedger? _current;

    /// <summary>Runs just before a write is checked, once per queued action.</summary>
    public Queue<Action<InMemoryAdmissionLedgerStore>> BeforeWrite { get; } = new();

    public int Writes { get; private set; }

    public int RefusedWrites { get; private set; }

    public AdmissionLedger? Ledger => _current?.Ledger;

    public Task<VersionedLedger?> ReadAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_current);
        }
    }

    public Task<bool> TryWriteAsync(AdmissionLedger ledger, long expectedVersion, CancellationToken cancellationToken)
    {
        if (BeforeWrite.TryDequeue(out var concurrent))
        {
            concurrent(this);
        }

        lock (_gate)
        {
            if ((_current?.Version ?? 0) != expectedVersion)
            {
                RefusedWrites++;
                return Task.FromResult(false);
            }

            Writes++;
            _current = new VersionedLedger(ledger, expectedVersion + 1);
            return Task.FromResult(true);
        }
    }

    /// <summary>Overwrites the stored ledger as another writer would (bumping the version).</summary>
    public void Put(AdmissionLedger ledger)
    {
        lock (_gate)
        {
            _current = new VersionedLedger(ledger, (_current?.Version ?? 0) + 1);
        }
    }
}
