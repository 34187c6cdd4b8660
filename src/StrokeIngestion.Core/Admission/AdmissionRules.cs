namespace StrokeIngestion.Core.Admission;

/// <summary>Why a study may or may not start its import now.</summary>
public enum AdmissionOutcome
{
    /// <summary>A start token was spent and the study holds a job slot.</summary>
    Admitted,

    /// <summary>No start token left: StartDICOMImportJob would be throttled.</summary>
    NoStartToken,

    /// <summary>Every job slot this priority may use is taken.</summary>
    NoJobSlot,

    /// <summary>A routine study steps aside because an urgent one is waiting.</summary>
    YieldToUrgent,
}

/// <summary>The answer to one admission attempt and the ledger it leaves.</summary>
/// <param name="RetryAfter">How long to wait before trying again; zero when admitted.</param>
public sealed record AdmissionDecision(AdmissionOutcome Outcome, AdmissionLedger Ledger, TimeSpan RetryAfter)
{
    public bool Admitted => Outcome == AdmissionOutcome.Admitted;
}

/// <summary>
/// The admission rules as pure functions of the ledger and the time: a token bucket for the
/// StartDICOMImportJob rate, a slot ceiling for running jobs with slots reserved for urgent
/// studies, and urgent-first ordering. No I/O: <see cref="AdmissionController"/> stores the results.
/// </summary>
public static class AdmissionRules
{
    /// <summary>An urgent study that has not asked again for this long no longer holds routine work back (its message went to the DLQ, or the study ended).</summary>
    public static readonly TimeSpan UrgentWaitExpiry = TimeSpan.FromMinutes(5);

    /// <summary>Weight of the newest job in <see cref="AdmissionLedger.MeanJobSeconds"/>.</summary>
    private const double MeanWeight = 0.2;

    private static readonly TimeSpan MinRetry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxSlotRetry = TimeSpan.FromSeconds(60);

    /// <summary>The bucket as it stands at <paramref name="now"/>. A clock that went backwards adds nothing.</summary>
    public static AdmissionLedger Refill(AdmissionLedger ledger, AdmissionLimits limits, DateTimeOffset now)
    {
        if (now <= ledger.RefilledAt)
        {
            return ledger;
        }

        var tokens = Math.Min(limits.StartBurst, ledger.Tokens + ((now - ledger.RefilledAt).TotalSeconds * limits.StartsPerSecond));
        return ledger with { Tokens = tokens, RefilledAt = now };
    }

    /// <summary>
    /// Tries to admit one study. Urgent studies may use every slot; routine ones stop at
    /// <see cref="AdmissionLimits.RoutineCeiling"/> and wait while any urgent study waits.
    /// A study that already holds a slot (a retried dispatch) keeps it and needs only a token.
    /// An urgent study that is turned away is recorded as waiting.
    /// </summary>
    public static AdmissionDecision TryAdmit(AdmissionLedger ledger, string studyId, StudyPriority priority, AdmissionLimits limits, DateTimeOffset now)
    {
        ledger = Refill(ExpireWaits(ledger, now), limits, now);
        var holding = ledger.SlotHolders.ContainsKey(studyId);
        var urgent = priority == StudyPriority.Urgent;

        if (!urgent && !holding && ledger.UrgentWaiting.Count > 0)
        {
            return new(AdmissionOutcome.YieldToUrgent, ledger, TokenWait(ledger, limits, tokensNeeded: ledger.UrgentWaiting.Count + 1));
        }

        var ceiling = urgent ? limits.MaxConcurrentJobs : limits.RoutineCeiling;
        if (!holding && ledger.RunningJobs >= ceiling)
        {
            return new(AdmissionOutcome.NoJobSlot, MarkWaiting(ledger, studyId, urgent, now), SlotWait(ledger));
        }

        if (ledger.Tokens < 1)
        {
            return new(AdmissionOutcome.NoStartToken, MarkWaiting(ledger, studyId, urgent, now), TokenWait(ledger, limits, tokensNeeded: 1));
        }

        var holders = new Dictionary<string, DateTimeOffset>(ledger.SlotHolders, StringComparer.Ordinal);
        holders.TryAdd(studyId, now);
        var waiting = new Dictionary<string, DateTimeOffset>(ledger.UrgentWaiting, StringComparer.Ordinal);
        waiting.Remove(studyId);
        return new(
            AdmissionOutcome.Admitted,
            ledger with { Tokens = ledger.Tokens - 1, SlotHolders = holders, UrgentWaiting = waiting },
            TimeSpan.Zero);
    }

    /// <summary>
    /// Gives back the study's slot. Keyed by study: a second release for the same study (the
    /// import-ended event and the monitor's poll both arriving) finds nothing and changes nothing.
    /// </summary>
    /// <returns>The new ledger and whether a slot was freed.</returns>
    public static (AdmissionLedger Ledger, bool Released) Release(AdmissionLedger ledger, string studyId, DateTimeOffset now)
    {
        if (!ledger.SlotHolders.TryGetValue(studyId, out var since))
        {
            return (ledger, false);
        }

        var holders = new Dictionary<string, DateTimeOffset>(ledger.SlotHolders, StringComparer.Ordinal);
        holders.Remove(studyId);
        var held = Math.Max(0, (now - since).TotalSeconds);
        return (ledger with { SlotHolders = holders, MeanJobSeconds = ((1 - MeanWeight) * ledger.MeanJobSeconds) + (MeanWeight * held) }, true);
    }

    /// <summary>Gives back a slot taken for a start that did not happen (throttled), without counting it as a job's duration.</summary>
    public static (AdmissionLedger Ledger, bool Released) Abandon(AdmissionLedger ledger, string studyId)
    {
        if (!ledger.SlotHolders.ContainsKey(studyId))
        {
            return (ledger, false);
        }

        var holders = new Dictionary<string, DateTimeOffset>(ledger.SlotHolders, StringComparer.Ordinal);
        holders.Remove(studyId);
        return (ledger with { SlotHolders = holders }, true);
    }

    /// <summary>Time until the bucket holds <paramref name="tokensNeeded"/> tokens, at least a second.</summary>
    public static TimeSpan TokenWait(AdmissionLedger ledger, AdmissionLimits limits, double tokensNeeded)
    {
        var missing = Math.Max(0, tokensNeeded - ledger.Tokens);
        return Max(MinRetry, TimeSpan.FromSeconds(missing / limits.StartsPerSecond));
    }

    /// <summary>Expected time until some running job ends and frees a slot: the mean job time spread over the running jobs.</summary>
    public static TimeSpan SlotWait(AdmissionLedger ledger)
    {
        var seconds = ledger.MeanJobSeconds / Math.Max(1, ledger.RunningJobs);
        return Min(MaxSlotRetry, Max(MinRetry, TimeSpan.FromSeconds(seconds)));
    }

    private static AdmissionLedger ExpireWaits(AdmissionLedger ledger, DateTimeOffset now)
    {
        if (!ledger.UrgentWaiting.Values.Any(since => now - since > UrgentWaitExpiry))
        {
            return ledger;
        }

        var waiting = ledger.UrgentWaiting
            .Where(entry => now - entry.Value <= UrgentWaitExpiry)
            .ToDictionary(entry => entry.Key, entry => entry.Value, StringComparer.Ordinal);
        return ledger with { UrgentWaiting = waiting };
    }

    private static AdmissionLedger MarkWaiting(AdmissionLedger ledger, string studyId, bool urgent, DateTimeOffset now)
    {
        if (!urgent)
        {
            return ledger;
        }

        var waiting = new Dictionary<string, DateTimeOffset>(ledger.UrgentWaiting, StringComparer.Ordinal) { [studyId] = now };
        return ledger with { UrgentWaiting = waiting };
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
