using StrokeIngestion.Core.Admission;

namespace StrokeIngestion.Core.Tests.Admission;

public sealed class QueueEstimatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);
    private static readonly AdmissionLimits Limits = AdmissionLimits.Default;

    [Fact]
    public void ForStudy_WhenIdle_ShouldStartAtOnceInFirstPlace()
    {
        var estimate = QueueEstimator.ForStudy(StudyPriority.Urgent, QueueBacklog.None, AdmissionLedger.Empty(Limits, Now), Limits, Now);

        Assert.Equal(1, estimate.Position);
        Assert.Equal(Now, estimate.EstimatedStart);
    }

    [Fact]
    public void ForStudy_WhenABackfillIsQueued_ShouldPutUrgentBehindUrgentOnly()
    {
        var backlog = new QueueBacklog(Urgent: 3, Routine: 400);
        var ledger = AdmissionLedger.Empty(Limits, Now) with { Tokens = 0 };

        var urgent = QueueEstimator.ForStudy(StudyPriority.Urgent, backlog, ledger, Limits, Now);
        var routine = QueueEstimator.ForStudy(StudyPriority.Routine, backlog, ledger, Limits, Now);

        Assert.Equal(4, urgent.Position);
        Assert.Equal(Now.AddSeconds(4), urgent.EstimatedStart);
        Assert.Equal(404, routine.Position);
    }

    [Fact]
    public void ForStudy_WhenSlotsAreTheBottleneck_ShouldWaitWholeJobWaves()
    {
        // 90 routine slots all taken by 5-minute jobs: 180 routine studies ahead need two more waves.
        var ledger = AdmissionLedger.Empty(Limits, Now) with
        {
            MeanJobSeconds = 300,
            SlotHolders = Enumerable.Range(0, 90).ToDictionary(i => $"STUDY-{i:D12}", _ => Now, StringComparer.Ordinal),
        };

        var routine = QueueEstimator.ForStudy(StudyPriority.Routine, new QueueBacklog(0, 179), ledger, Limits, Now);
        var urgent = QueueEstimator.ForStudy(StudyPriority.Urgent, new QueueBacklog(0, 179), ledger, Limits, Now);

        Assert.Equal(Now.AddSeconds(600), routine.EstimatedStart);
        Assert.Equal(Now, urgent.EstimatedStart);
    }

    [Fact]
    public void RetryAfter_WhenTheUrgentBacklogGrows_ShouldGrowWithItWithinOneAndSixtySeconds()
    {
        var ledger = AdmissionLedger.Empty(Limits, Now) with { Tokens = 0 };

        var idle = QueueEstimator.RetryAfter(QueueBacklog.None, AdmissionLedger.Empty(Limits, Now), Limits, Now);
        var busy = QueueEstimator.RetryAfter(new QueueBacklog(9, 1000), ledger, Limits, Now);
        var flooded = QueueEstimator.RetryAfter(new QueueBacklog(500, 0), ledger, Limits, Now);

        Assert.Equal(TimeSpan.FromSeconds(1), idle);
        Assert.Equal(TimeSpan.FromSeconds(10), busy);
        Assert.Equal(TimeSpan.FromSeconds(60), flooded);
    }
}
