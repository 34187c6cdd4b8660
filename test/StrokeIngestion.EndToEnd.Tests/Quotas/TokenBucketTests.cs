using Microsoft.Extensions.Time.Testing;
using StrokeIngestion.Sandbox.Quotas;

namespace StrokeIngestion.EndToEnd.Tests.Quotas;

public sealed class TokenBucketTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 5, 3, 0, 0, TimeSpan.Zero));

    [Fact]
    public void TryTake_WhenTheBucketStartsFull_ShouldAdmitTheBurstThenRefuse()
    {
        var bucket = new TokenBucket(new RateLimit(1, 2), _time);

        var admitted = new[] { bucket.TryTake(), bucket.TryTake(), bucket.TryTake() };

        Assert.Equal([true, true, false], admitted);
    }

    [Fact]
    public void TryTake_WhenTimePasses_ShouldRefillAtTheRate()
    {
        var bucket = new TokenBucket(new RateLimit(4, 1), _time);
        Assert.True(bucket.TryTake());

        _time.Advance(TimeSpan.FromMilliseconds(200));
        var early = bucket.TryTake();
        _time.Advance(TimeSpan.FromMilliseconds(50));
        var onTime = bucket.TryTake();

        Assert.False(early);
        Assert.True(onTime);
    }

    [Fact]
    public void TryTake_WhenIdleForLong_ShouldHoldNoMoreThanTheBurst()
    {
        var bucket = new TokenBucket(new RateLimit(10, 3), _time);
        _time.Advance(TimeSpan.FromHours(1));

        var admitted = Enumerable.Range(0, 5).Count(_ => bucket.TryTake());

        Assert.Equal(3, admitted);
    }

    [Fact]
    public void TryTake_WhenRefusedRepeatedly_ShouldNotOverdrawTheBucket()
    {
        var bucket = new TokenBucket(new RateLimit(1, 1), _time);
        bucket.TryTake();
        for (var i = 0; i < 10; i++)
        {
            bucket.TryTake();
        }

        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.True(bucket.TryTake());
    }

    [Fact]
    public void TimeUntilNextToken_WhenEmpty_ShouldSayWhenTheNextTokenArrives()
    {
        var bucket = new TokenBucket(new RateLimit(2, 1), _time);
        bucket.TryTake();
        _time.Advance(TimeSpan.FromMilliseconds(100));

        Assert.Equal(TimeSpan.FromMilliseconds(400), bucket.TimeUntilNextToken());
    }

    [Fact]
    public void TryTake_WhenUnlimited_ShouldAlwaysAdmit()
    {
        var bucket = new TokenBucket(RateLimit.Unlimited, _time);

        Assert.All(Enumerable.Range(0, 1000), _ => Assert.True(bucket.TryTake()));
    }

    [Fact]
    public async Task TryTake_WhenManyThreadsRace_ShouldAdmitExactlyTheBurst()
    {
        var bucket = new TokenBucket(new RateLimit(1, 50), _time);

        var results = await Task.WhenAll(Enumerable.Range(0, 400).Select(_ => Task.Run(bucket.TryTake)));

        Assert.Equal(50, results.Count(admitted => admitted));
    }
}
