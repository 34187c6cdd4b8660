using StrokeIngestion.Sandbox.Logs;

namespace StrokeIngestion.EndToEnd.Tests.Logs;

public sealed class FilterPatternTests
{
    private const string MonitorLine = """{"timestamp":"2026-12-04T16:00:00.000Z","level":"INFO","message":"Import status checked","study_id":"STUDY-1","import_event_missing":true,"polls":3}""";
    private static readonly DateTimeOffset At = new(2026, 12, 4, 16, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(RuntimeLogFormat.Unformatted, true)]
    [InlineData(RuntimeLogFormat.Default, false)]
    [InlineData(RuntimeLogFormat.Json, false)]
    internal void Matches_WhenTheRuntimeFormatsTheMonitorsLine_ShouldMatchOnlyTheUnformattedLine(RuntimeLogFormat format, bool expected)
    {
        // The stack's filter behind <project>-import-events-missing.
        var pattern = FilterPattern.Parse("{ $.import_event_missing IS TRUE }");

        var line = LambdaRuntimeConsole.FormatLine(format, MonitorLine, At, "8f5e2a8c-request");

        Assert.Equal(expected, pattern.Matches(line));
    }

    [Theory]
    [InlineData("{ $.import_event_missing IS TRUE }", true)]
    [InlineData("{ $.import_event_missing IS FALSE }", false)]
    [InlineData("{ $.level = \"INFO\" }", true)]
    [InlineData("{ $.level = INF* }", true)]
    [InlineData("{ $.level != \"INFO\" }", false)]
    [InlineData("{ $.polls >= 3 }", true)]
    [InlineData("{ $.polls > 3 }", false)]
    [InlineData("{ $.polls = 3 && $.level = \"INFO\" }", true)]
    [InlineData("{ ($.polls = 4 || $.level = \"INFO\") && $.study_id = \"STUDY-1\" }", true)]
    [InlineData("{ $.reason NOT EXISTS }", true)]
    [InlineData("{ $.study_id NOT EXISTS }", false)]
    [InlineData("{ $.study_id IS NULL }", false)]
    [InlineData("\"Import status\"", true)]
    [InlineData("Import checked", true)]
    [InlineData("Import -STUDY-1", false)]
    [InlineData("?ERROR ?WARN", false)]
    [InlineData("", true)]
    public void Matches_WhenPatternsUseCloudWatchSyntax_ShouldFollowIt(string pattern, bool expected)
    {
        Assert.Equal(expected, FilterPattern.Parse(pattern).Matches(MonitorLine));
    }

    [Fact]
    public void Matches_WhenTheMessageIsNotJson_ShouldNotMatchAJsonPattern()
    {
        Assert.False(FilterPattern.Parse("{ $.import_event_missing IS TRUE }").Matches("import_event_missing true"));
    }

    [Fact]
    public void Parse_WhenThePatternIsSpaceDelimited_ShouldRefuseToGuess()
    {
        Assert.Throws<NotSupportedException>(() => FilterPattern.Parse("[ip, user, status=5*]"));
    }
}
