using Microsoft.Extensions.Time.Testing;
using StrokeIngestion.Core.Domain;

namespace StrokeIngestion.Core.Tests.Domain;

public sealed class TimestampsTests
{
    [Fact]
    public void Format_WhenInstantHasAnOffset_ShouldWriteItInUtcWithMilliseconds()
    {
        var instant = new DateTimeOffset(2026, 11, 25, 14, 3, 4, 5, TimeSpan.FromHours(2));

        Assert.Equal("2026-11-25T12:03:04.005Z", Timestamps.Format(instant));
    }

    [Fact]
    public void Now_WhenClockIsFake_ShouldFormatTheClocksTime()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        time.Advance(TimeSpan.FromTicks(1_239_999));

        Assert.Equal("2026-01-02T03:04:05.123Z", Timestamps.Now(time));
    }
}
