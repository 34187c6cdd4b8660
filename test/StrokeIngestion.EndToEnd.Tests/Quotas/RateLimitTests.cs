using StrokeIngestion.Sandbox.Quotas;

namespace StrokeIngestion.EndToEnd.Tests.Quotas;

public sealed class RateLimitTests
{
    [Fact]
    public void InRealTime_WhenTheClockRunsTenTimesFaster_ShouldDivideTheRateAndKeepTheBurst()
    {
        var scaled = new RateLimit(1, 2).InRealTime(0.1);

        Assert.Equal(10, scaled.RatePerSecond, 9);
        Assert.Equal(2, scaled.Burst);
    }

    [Fact]
    public void InRealTime_WhenTimeScaleIsZero_ShouldRemoveTheLimit()
    {
        Assert.True(new RateLimit(1, 2).InRealTime(0).IsUnlimited);
    }

    [Theory]
    [InlineData(0, 2, "rate")]
    [InlineData(-1, 2, "rate")]
    [InlineData(1, 0, "burst")]
    public void Validate_WhenTheLimitCannotAdmitAnything_ShouldNameTheSettingAndTheField(double rate, int burst, string field)
    {
        var error = Assert.Throws<ArgumentException>(() => new RateLimit(rate, burst).Validate("--healthimaging-start-tps"));

        Assert.Contains("--healthimaging-start-tps", error.Message, StringComparison.Ordinal);
        Assert.Contains(field, error.Message, StringComparison.Ordinal);
    }
}
