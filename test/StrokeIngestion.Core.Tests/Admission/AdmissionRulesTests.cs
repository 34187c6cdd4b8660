using StrokeIngestion.Core.Admission;

namespace StrokeIngestion.Core.Tests.Admission;

public sealed class AdmissionRulesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);
    private static readonly AdmissionLimits Limits = AdmissionLimits.Create(startsPerSecond: 1, startBurst: 2, maxConcurrentJobs: 5, urgentReservedJobs: 2);

    [Fact]
    public void TryAdmit_WhenBurstIsSpent_ShouldRefuseTheThirdStartInTheSameSecond()
    {
        var ledger = AdmissionLedger.Empty(Limits, T0);

        var first = AdmissionRules.TryAdmit(ledger, "STUDY-000000000001", StudyPriority.Urgent, Limits, T0);
        var second = AdmissionRules.TryAdmit(first.Ledger, "STUDY-000000000002", StudyPriority.Urgent, Limits, T0);
        var third = AdmissionRules.TryAdmit(second.Ledger, "STUDY-000000000003", StudyPriority.Urgent, Limits, T0);

        Assert.True(first.Admitted);
        Assert.True(second.Admitted);
        Assert.Equal(AdmissionOutcome.NoStartToken, third.Outcome);
        Assert.Equal(TimeSpan.FromSeconds(1), third.RetryAfter);
        Assert.Equal(2, third.Ledger.RunningJobs);
    }

    [Fact]
    public void TryAdmit_WhenRateAllowsOnePerSecond_ShouldAdmitOneStartPerElapsedSecond()
    {
        var ledger = AdmissionLedger.Empty(Limits, T0) with { Tokens = 0 };
        var admitted = 0;
        for (var tick = 0; tick < 20; tick++)
        {
            // Two attempts every half second: only the refill rate decides.
            var now = T0.AddMilliseconds(500 * (tick + 1));
            for (var attempt = 0; attempt < 2; attempt++)
            {
                var decision = AdmissionRules.TryAdmit(ledger, $"STUDY-{tick:D10}{attempt:D2}", StudyPriority.Urgent, Limits, now);
                ledger = decision.Ledger;
                if (decision.Admitted)
                {
                    admitted++;
                    ledger = AdmissionRules.Release(ledger, $"STUDY-{tick:D10}{attempt:D2}", now).Ledger;
                }
            }
        }

        Assert.Equal(10, admitted);
    }

    [Fact]
    public void Refill_WhenIdleForLong_ShouldNotExceedTheBurst()
    {
        var ledger = AdmissionLedger.Empty(Limits, T0) with { Tokens = 0 };

        var refilled = AdmissionRules.Refill(ledger, Limits, T0.AddHours(1));

        Assert.Equal(2, refilled.Tokens);
    }

    [Fact]
    public void Refill_WhenTheClockGoesBackwards_ShouldAddNothing()
    {
        var ledger = AdmissionLedger.Empty(Limits, T0) with { Tokens = 0.5 };

        var refilled = AdmissionRules.Refill(ledger, Limits, T0.AddSeconds(-30));

        Assert.Equal(0.5, refilled.Tokens);
        Assert.Equal(T0, refilled.RefilledAt);
    }

    [Fact]
    public void TryAdmit_WhenRoutineReachesTheRoutineCeiling_ShouldLeaveTheReservedSlotsToUrgent()
    {
        var ledger = WithHolders(3);

        var routine = AdmissionRules.TryAdmit(ledger, "STUDY-00000000000a", StudyPriority.Routine, Limits, T0);
        var urgent = AdmissionRules.TryAdmit(ledger, "STUDY-00000000000b", StudyPriority.Urgent, Limits, T0);

        Assert.Equal(AdmissionOutcome.NoJobSlot, routine.Outcome);
        Assert.True(urgent.Admitted);
        Assert.Equal(4, urgent.Ledger.RunningJobs);
    }

    [Fact]
    public void TryAdmit_WhenEverySlotIsTaken_ShouldRefuseUrgentAndRecordItAsWaiting()
    {
        var ledger = WithHolders(5);

        var urgent = AdmissionRules.TryAdmit(ledger, "STUDY-00000000000b", StudyPriority.Urgent, Limits, T0);

        Assert.Equal(AdmissionOutcome.NoJobSlot, urgent.Outcome);
        Assert.True(urgent.Ledger.UrgentWaiting.ContainsKey("STUDY-00000000000b"));
        Assert.Equal(5, urgent.Ledger.RunningJobs);
    }

    [Fact]
    public void TryAdmit_WhenAnUrgentStudyWaits_ShouldMakeRoutineYieldEvenWithFreeSlotsAndTokens()
    {
        var ledger = AdmissionLedger.Empty(Limits, T0) with { Tokens = 0 };
        var urgent = AdmissionRules.TryAdmit(ledger, "STUDY-00000000000u", StudyPriority.Urgent, Limits, T0);
        Assert.Equal(AdmissionOutcome.NoStartToken, urgent.Outcome);

        // One second later a token exists; the routine study asks first.
        var routine = AdmissionRules.TryAdmit(urgent.Ledger, "STUDY-00000000000r", StudyPriority.Routine, Limits, T0.AddSeconds(1));
        var urgentAgain = AdmissionRules.TryAdmit(routine.Ledger, "STUDY-00000000000u", StudyPriority.Urgent, Limits, T0.AddSeconds(1));

        Assert.Equal(AdmissionOutcome.YieldToUrgent, routine.Outcome);
        Assert.True(urgentAgain.Admitted);
        Assert.Empty(urgentAgain.Ledger.UrgentWaiting);
    }

    [Fact]
    public void TryAdmit_WhenTheWaitingUrgentStudyStoppedAsking_ShouldLetRoutineGoAfterTheExpiry()
    {
        var ledger = AdmissionLedger.Empty(Limits, T0) with { Tokens = 0 };
        var urgent = AdmissionRules.TryAdmit(ledger, "STUDY-00000000000u", StudyPriority.Urgent, Limits, T0);

        var routine = AdmissionRules.TryAdmit(urgent.Ledger, "STUDY-00000000000r", StudyPriority.Routine, Limits, T0 + AdmissionRules.UrgentWaitExpiry + TimeSpan.FromSeconds(1));

        Assert.True(routine.Admitted);
        Assert.Empty(routine.Ledger.UrgentWaiting);
    }

    [Fact]
    public void TryAdmit_WhenTheStudyAlreadyHoldsASlot_ShouldKeepOneSlotAndNeedOnlyAToken()
    {
        var ledger = WithHolders(5) with { Tokens = 1 };

        var again = AdmissionRules.TryAdmit(ledger, "STUDY-000000000000", StudyPriority.Routine, Limits, T0);

        Assert.True(again.Admitted);
        Assert.Equal(5, again.Ledger.RunningJobs);
        Assert.Equal(T0.AddMinutes(-1), again.Ledger.SlotHolders["STUDY-000000000000"]);
    }

    [Fact]
    public void Release_WhenCalledTwiceForTheSameStudy_ShouldFreeOneSlotOnly()
    {
        var ledger = WithHolders(3);

        var (once, first) = AdmissionRules.Release(ledger, "STUDY-000000000001", T0);
        var (twice, second) = AdmissionRules.Release(once, "STUDY-000000000001", T0);

        Assert.True(first);
        Assert.False(second);
        Assert.Equal(2, twice.RunningJobs);
    }

    [Fact]
    public void Release_WhenAJobEnds_ShouldMoveTheMeanJobTimeTowardsItsDuration()
    {
        var ledger = WithHolders(1);

        var (released, _) = AdmissionRules.Release(ledger, "STUDY-000000000000", T0.AddMinutes(4));

        // Held 5 minutes (300 s): 0.8 * 60 + 0.2 * 300.
        Assert.Equal(108, released.MeanJobSeconds, precision: 6);
    }

    [Fact]
    public void Abandon_WhenTheStartDidNotHappen_ShouldFreeTheSlotWithoutTouchingTheMean()
    {
        var ledger = WithHolders(2);

        var (abandoned, freed) = AdmissionRules.Abandon(ledger, "STUDY-000000000001");

        Assert.True(freed);
        Assert.Equal(1, abandoned.RunningJobs);
        Assert.Equal(AdmissionLedger.InitialMeanJobSeconds, abandoned.MeanJobSeconds);
    }

    [Fact]
    public void SlotWait_WhenManyJobsRun_ShouldBeTheMeanSpreadOverThemWithinOneAndSixtySeconds()
    {
        Assert.Equal(TimeSpan.FromSeconds(3), AdmissionRules.SlotWait(WithHolders(100) with { MeanJobSeconds = 300 }));
        Assert.Equal(TimeSpan.FromSeconds(1), AdmissionRules.SlotWait(WithHolders(100) with { MeanJobSeconds = 10 }));
        Assert.Equal(TimeSpan.FromSeconds(60), AdmissionRules.SlotWait(WithHolders(1) with { MeanJobSeconds = 600 }));
    }

    [Theory]
    [InlineData(0, 2, 100, 10)]
    [InlineData(-1, 2, 100, 10)]
    [InlineData(double.NaN, 2, 100, 10)]
    [InlineData(1, 0, 100, 10)]
    [InlineData(1, 2, 0, 0)]
    [InlineData(1, 2, 100, -1)]
    [InlineData(1, 2, 10, 10)]
    public void Create_WhenALimitIsOutOfRange_ShouldThrow(double tps, int burst, int maxJobs, int reserved)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => AdmissionLimits.Create(tps, burst, maxJobs, reserved));
    }

    private static AdmissionLedger WithHolders(int count) => AdmissionLedger.Empty(Limits, T0) with
    {
        SlotHolders = Enumerable.Range(0, count).ToDictionary(i => $"STUDY-{i:D12}", _ => T0.AddMinutes(-1), StringComparer.Ordinal),
    };
}
