namespace StrokeIngestion.Core.Admission;

/// <summary>
/// What the account lets the dispatcher do: StartDICOMImportJob calls per second (a token
/// bucket of <see cref="StartBurst"/>), running import jobs per datastore, and how many of
/// those jobs only urgent studies may take.
/// </summary>
public sealed record AdmissionLimits
{
    /// <summary>HealthImaging's documented defaults: 1 TPS burst 2, 100 concurrent jobs; 10 of them kept for urgent studies.</summary>
    public static AdmissionLimits Default { get; } = Create(startsPerSecond: 1, startBurst: 2, maxConcurrentJobs: 100, urgentReservedJobs: 10);

    private AdmissionLimits(double startsPerSecond, int startBurst, int maxConcurrentJobs, int urgentReservedJobs)
    {
        StartsPerSecond = startsPerSecond;
        StartBurst = startBurst;
        MaxConcurrentJobs = maxConcurrentJobs;
        UrgentReservedJobs = urgentReservedJobs;
    }

    public double StartsPerSecond { get; }

    public int StartBurst { get; }

    public int MaxConcurrentJobs { get; }

    public int UrgentReservedJobs { get; }

    /// <summary>Running jobs past which a routine study waits: the reserved slots stay free for urgent ones.</summary>
    public int RoutineCeiling => MaxConcurrentJobs - UrgentReservedJobs;

    /// <summary>Validates the limits; throws <see cref="ArgumentOutOfRangeException"/> naming the bad one.</summary>
    public static AdmissionLimits Create(double startsPerSecond, int startBurst, int maxConcurrentJobs, int urgentReservedJobs)
    {
        if (!double.IsFinite(startsPerSecond) || startsPerSecond <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(startsPerSecond), startsPerSecond, "must be a positive number of calls per second");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(startBurst, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrentJobs, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(urgentReservedJobs);

        // Routine work needs at least one slot of its own, or a backfill would never start.
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(urgentReservedJobs, maxConcurrentJobs);
        return new AdmissionLimits(startsPerSecond, startBurst, maxConcurrentJobs, urgentReservedJobs);
    }
}
