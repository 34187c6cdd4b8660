using StrokeIngestion.Core.Settings;

namespace StrokeIngestion.Core.Tests.Settings;

public sealed class AdmissionSettingsTests
{
    private static Dictionary<string, string> Valid() => new(StringComparer.Ordinal)
    {
        ["URGENT_QUEUE_URL"] = "https://sqs.us-east-1.amazonaws.com/111122223333/stroke-detection-ai-import-urgent",
        ["ROUTINE_QUEUE_URL"] = "https://sqs.us-east-1.amazonaws.com/111122223333/stroke-detection-ai-import-routine",
    };

    [Fact]
    public void Load_WhenOnlyTheQueuesAreSet_ShouldUseHealthImagingsDocumentedQuotas()
    {
        var settings = AdmissionSettings.Load(new EnvironmentReader(Valid()));

        Assert.Equal((1.0, 2, 100, 10), (settings.Limits.StartsPerSecond, settings.Limits.StartBurst, settings.Limits.MaxConcurrentJobs, settings.Limits.UrgentReservedJobs));
        Assert.Null(settings.SqsEndpoint);
    }

    [Theory]
    [InlineData("IMPORT_START_TPS", "0")]
    [InlineData("IMPORT_START_TPS", "fast")]
    [InlineData("MAX_CONCURRENT_IMPORT_JOBS", "0")]
    [InlineData("URGENT_RESERVED_JOBS", "-1")]
    [InlineData("URGENT_RESERVED_JOBS", "100")]
    public void Load_WhenALimitIsOutOfRange_ShouldNameTheVariable(string variable, string value)
    {
        var values = Valid();
        values[variable] = value;

        var error = Assert.Throws<SettingsException>(() => AdmissionSettings.Load(new EnvironmentReader(values)));

        Assert.Contains(variable, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("URGENT_QUEUE_URL")]
    [InlineData("ROUTINE_QUEUE_URL")]
    public void Load_WhenAQueueIsMissing_ShouldNameIt(string variable)
    {
        var values = Valid();
        values.Remove(variable);

        var error = Assert.Throws<SettingsException>(() => AdmissionSettings.Load(new EnvironmentReader(values)));

        Assert.Contains(variable, error.Message, StringComparison.Ordinal);
    }
}
