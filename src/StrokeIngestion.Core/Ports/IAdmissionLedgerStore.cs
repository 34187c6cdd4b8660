using StrokeIngestion.Core.Admission;

namespace StrokeIngestion.Core.Ports;

/// <summary>The ledger as read, with the version a write must match.</summary>
/// <param name="Version">0 when no ledger has been written yet.</param>
public sealed record VersionedLedger(AdmissionLedger Ledger, long Version);

/// <summary>
/// Where the admission ledger lives: one item, written only when its version is still the
/// one read (optimistic concurrency), so that concurrent dispatchers never hand out the same
/// token or slot twice. Failures surface as <see cref="Errors.DependencyException"/>.
/// </summary>
public interface IAdmissionLedgerStore
{
    /// <summary>The ledger, or null when none has been written yet.</summary>
    Task<VersionedLedger?> ReadAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Writes <paramref name="ledger"/> as version <paramref name="expectedVersion"/> + 1 when the
    /// stored version is still <paramref name="expectedVersion"/> (0: none stored yet).
    /// </summary>
    /// <returns>False, and nothing written, when another writer came first.</returns>
    Task<bool> TryWriteAsync(AdmissionLedger ledger, long expectedVersion, CancellationToken cancellationToken);
}
