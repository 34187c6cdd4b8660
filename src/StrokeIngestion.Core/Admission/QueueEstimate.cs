namespace StrokeIngestion.Core.Admission;

/// <summary>Studies waiting in the import queues (visible and in flight), per priority.</summary>
public sealed record QueueBacklog(int Urgent, int Routine)
{
    public static QueueBacklog None { get; } = new(0, 0);
}

/// <summary>Where a queued study stands: its 1-based place among the studies that start before it, and when it should start.</summary>
public sealed record QueueEstimate(int Position, DateTimeOffset EstimatedStart);

/// <summary>
/// Estimates from the backlog and the limits: a study's place in line (urgent studies go
/// before every routine one), when its import should start, and the Retry-After a throttled
/// client is given. Pure; the wait is the longer of what the start rate and the job slots impose.
/// </summary>
public static class QueueEstimator
{
    private static readonly TimeSpan MinRetryAfter = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(60);

    /// <summary>The estimate for a study queued behind <paramref name="ahead"/> (the backlog not counting the study itself).</summary>
    public static QueueEstimate ForStudy(StudyPriority priority, QueueBacklog ahead, AdmissionLedger ledger, AdmissionLimits limits, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(ahead);
        var before = priority == StudyPriority.Urgent ? ahead.Urgent : ahead.Urgent + ahead.Routine;
        var position = before + 1;
        ledger = AdmissionRules.Refill(ledger, limits, now);

        var rateWait = Math.Max(0, (position - Math.Floor(ledger.Tokens)) / limits.StartsPerSecond);

        var ceiling = priority == StudyPriority.Urgent ? limits.MaxConcurrentJobs : limits.RoutineCeiling;
        var free = Math.Max(0, ceiling - ledger.RunningJobs);
        var slotWait = 0.0;
        if (position > free)
        {
            // Each wave of `ceiling` jobs lasts about one mean job time.
            var waves = Math.Ceiling((double)(position - free) / ceiling);
            slotWait = waves * ledger.MeanJobSeconds;
        }

        return new QueueEstimate(position, now + TimeSpan.FromSeconds(Math.Max(rateWait, slotWait)));
    }

    /// <summary>
    /// The Retry-After for a 429/503: how long a new urgent study would wait for its start
    /// now (retrying sooner could not start it sooner), between 1 and 60 s.
    /// </summary>
    public static TimeSpan RetryAfter(QueueBacklog backlog, AdmissionLedger ledger, AdmissionLimits limits, DateTimeOffset now)
    {
        var wait = ForStudy(StudyPriority.Urgent, backlog, ledger, limits, now).EstimatedStart - now;
        var seconds = Math.Ceiling(wait.TotalSeconds);
        return TimeSpan.FromSeconds(Math.Clamp(seconds, MinRetryAfter.TotalSeconds, MaxRetryAfter.TotalSeconds));
    }
}
