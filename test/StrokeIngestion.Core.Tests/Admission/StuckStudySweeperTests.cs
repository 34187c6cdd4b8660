using Microsoft.Extensions.Time.Testing;
using StrokeIngestion.Core.Admission;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Tests.Aws;
using StrokeIngestion.Core.Tests.Fakes;

namespace StrokeIngestion.Core.Tests.Admission;

public sealed class StuckStudySweeperTests
{
    private readonly InMemoryStudyStore _studies = new();
    private readonly InMemoryImportBacklog _backlog = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));

    private StuckStudySweeper Sweeper() => new(_studies, _backlog, _time);

    private Study Put(int n, string status, string priority, TimeSpan age)
    {
        Assert.True(StudyId.TryParse($"STUDY-{n:D12}", out var id));
        var study = DynamoDbTestStudies.Minimal(id) with
        {
            Status = status,
            Priority = priority,
            UpdatedAt = Timestamps.Format(_time.GetUtcNow() - age),
        };
        _studies.Put(study);
        return study;
    }

    [Fact]
    public async Task RequeueAsync_WhenAStudyIsStuckQueuedAndItsQueueIsEmpty_ShouldSendItAgainWithItsPriority()
    {
        var orphan = Put(1, StudyStatus.Queued, "routine", TimeSpan.FromMinutes(11));

        var sent = await Sweeper().RequeueAsync(CancellationToken.None);

        Assert.Equal([orphan.StudyId], sent);
        Assert.Equal([(orphan.StudyId, StudyPriority.Routine)], _backlog.Sent);
    }

    [Fact]
    public async Task RequeueAsync_WhenItsPrioritysQueueStillHoldsMessages_ShouldLeaveItToWaitItsTurn()
    {
        Put(1, StudyStatus.Queued, "routine", TimeSpan.FromMinutes(30));
        var urgentOrphan = Put(2, StudyStatus.Queued, "urgent", TimeSpan.FromMinutes(30));
        _backlog.Waiting = new QueueBacklog(0, 500);

        var sent = await Sweeper().RequeueAsync(CancellationToken.None);

        Assert.Equal([urgentOrphan.StudyId], sent);
    }

    [Theory]
    [InlineData(StudyStatus.Queued, 9)]
    [InlineData(StudyStatus.Importing, 60)]
    [InlineData(StudyStatus.UploadFailed, 60)]
    [InlineData(StudyStatus.ReadyForAnalysis, 60)]
    public async Task RequeueAsync_WhenAStudyIsYoungOrNotWaiting_ShouldSendNothing(string status, int minutes)
    {
        Put(1, status, "urgent", TimeSpan.FromMinutes(minutes));

        var sent = await Sweeper().RequeueAsync(CancellationToken.None);

        Assert.Empty(sent);
        Assert.Empty(_backlog.Sent);
    }
}
