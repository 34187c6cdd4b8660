namespace StrokeIngestion.Core.Monitoring;

/// <summary>Tuning of <see cref="ImportMonitorService"/>; the defaults are the production values.</summary>
public sealed record MonitorOptions
{
    /// <summary>
    /// Reads of <c>job-output-manifest.json</c> per poll once a job has COMPLETED (the
    /// manifest can land a few seconds after the status flips).
    /// </summary>
    public int ManifestReadAttempts { get; init; } = 3;

    /// <summary>Pause between two manifest reads.</summary>
    public TimeSpan ManifestRetryDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long after the job's <c>endedAt</c> a missing manifest is still treated as "not
    /// written yet" (a retryable error); past it the study fails with <c>manifest_missing</c>.
    /// </summary>
    public TimeSpan ManifestGracePeriod { get; init; } = TimeSpan.FromMinutes(5);

    public static MonitorOptions Default { get; } = new();

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for values the service cannot work with.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ManifestReadAttempts, 1, nameof(ManifestReadAttempts));
        ArgumentOutOfRangeException.ThrowIfLessThan(ManifestRetryDelay, TimeSpan.Zero, nameof(ManifestRetryDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(ManifestGracePeriod, TimeSpan.Zero, nameof(ManifestGracePeriod));
    }
}
