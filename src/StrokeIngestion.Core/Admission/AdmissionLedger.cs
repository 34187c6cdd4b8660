namespace StrokeIngestion.Core.Admission;

/// <summary>
/// The shared state of admission, kept as one item so that every change is one conditional
/// write: the start-token bucket, the studies holding a job slot (keyed by study id, so a
/// slot is taken and given back at most once per study), the urgent studies waiting for a
/// slot or token (routine work yields to them), and a running mean of job duration for
/// estimates. Study ids are hashes, not PHI.
/// </summary>
public sealed record AdmissionLedger
{
    /// <summary>What a ledger that has never been written holds: a full bucket, no jobs.</summary>
    public const double InitialMeanJobSeconds = 60;

    public required double Tokens { get; init; }

    public required DateTimeOffset RefilledAt { get; init; }

    /// <summary>Study id → when it took its slot.</summary>
    public required IReadOnlyDictionary<string, DateTimeOffset> SlotHolders { get; init; }

    /// <summary>Urgent study id → when it last asked and had to wait.</summary>
    public required IReadOnlyDictionary<string, DateTimeOffset> UrgentWaiting { get; init; }

    /// <summary>Exponential mean of how long a slot is held (an import's run time), in seconds.</summary>
    public double MeanJobSeconds { get; init; } = InitialMeanJobSeconds;

    public int RunningJobs => SlotHolders.Count;

    public static AdmissionLedger Empty(AdmissionLimits limits, DateTimeOffset now) => new()
    {
        Tokens = limits.StartBurst,
        RefilledAt = now,
        SlotHolders = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal),
        UrgentWaiting = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal),
    };
}
