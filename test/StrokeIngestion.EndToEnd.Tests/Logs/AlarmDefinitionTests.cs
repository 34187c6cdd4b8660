using StrokeIngestion.Sandbox.Logs;

namespace StrokeIngestion.EndToEnd.Tests.Logs;

public sealed class AlarmDefinitionTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 16, 30, 0, TimeSpan.Zero);

    // The stack's import-events-missing alarm: Sum ≥ 3 over one hour, missing data not breaching.
    private static readonly AlarmDefinition EventsMissing = new(
        "p-import-events-missing", "p", "ImportEventsMissing", "Sum", 3600, 1, 1, 3, "GreaterThanOrEqualToThreshold", "notBreaching");

    [Theory]
    [InlineData(0, "OK")]
    [InlineData(2, "OK")]
    [InlineData(3, "ALARM")]
    public void Evaluate_WhenEventsAreMissingWithinThePeriod_ShouldAlarmFromTheThreshold(int missing, string expected)
    {
        var datapoints = Enumerable.Range(0, missing).Select(i => new Datapoint(Now.AddMinutes(-10 - i), 1)).ToList();

        Assert.Equal(expected, EventsMissing.Evaluate(datapoints, Now).State);
    }

    [Fact]
    public void Evaluate_WhenTheDatapointsAreOlderThanThePeriod_ShouldNotCountThem()
    {
        var datapoints = Enumerable.Range(0, 5).Select(i => new Datapoint(Now.AddHours(-2), 1)).ToList();

        Assert.Equal("OK", EventsMissing.Evaluate(datapoints, Now).State);
    }

    [Fact]
    public void Evaluate_WhenDataIsMissingAndTreatedAsMissing_ShouldBeInsufficientData()
    {
        var alarm = EventsMissing with { TreatMissingData = "missing" };

        Assert.Equal("INSUFFICIENT_DATA", alarm.Evaluate([], Now).State);
    }

    [Fact]
    public void Evaluate_WhenTwoOfThreePeriodsMustBreach_ShouldCountPeriodsNotDatapoints()
    {
        var alarm = EventsMissing with { PeriodSeconds = 300, EvaluationPeriods = 3, DatapointsToAlarm = 2, Threshold = 1 };

        Assert.Equal("OK", alarm.Evaluate([new(Now.AddMinutes(-1), 1), new(Now.AddMinutes(-2), 1)], Now).State);
        Assert.Equal("ALARM", alarm.Evaluate([new(Now.AddMinutes(-1), 1), new(Now.AddMinutes(-7), 1)], Now).State);
    }
}
