using System.Text.Json;
using StrokeIngestion.Sandbox.Logs;

namespace StrokeIngestion.EndToEnd.Tests.Logs;

public sealed class LambdaRuntimeConsoleTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 4, 16, 0, 0, 123, TimeSpan.Zero);

    [Theory]
    [InlineData(null, null, "Text", RuntimeLogFormat.Default)]
    [InlineData("Unformatted", null, "Text", RuntimeLogFormat.Unformatted)]
    [InlineData("unformatted", "JSON", "JSON", RuntimeLogFormat.Unformatted)]
    [InlineData(null, "JSON", "JSON", RuntimeLogFormat.Json)]
    [InlineData(null, null, "JSON", RuntimeLogFormat.Json)]
    [InlineData("", "Text", "Text", RuntimeLogFormat.Default)]
    [InlineData("Plain", null, "Text", RuntimeLogFormat.Default)]
    internal void FormatFor_WhenTheEnvironmentSaysSo_ShouldPickTheRuntimesFormat(string? handlerFormat, string? lambdaFormat, string logFormat, RuntimeLogFormat expected)
    {
        var environment = new Dictionary<string, string>();
        if (handlerFormat is not null)
        {
            environment["AWS_LAMBDA_HANDLER_LOG_FORMAT"] = handlerFormat;
        }

        if (lambdaFormat is not null)
        {
            environment["AWS_LAMBDA_LOG_FORMAT"] = lambdaFormat;
        }

        Assert.Equal(expected, LambdaRuntimeConsole.FormatFor(environment, logFormat));
    }

    [Fact]
    public void FormatLine_WhenDefault_ShouldPrefixTimestampRequestIdAndLevelWithTabs()
    {
        var line = LambdaRuntimeConsole.FormatLine(RuntimeLogFormat.Default, "{\"a\":1}", At, "req-1");

        Assert.Equal("2026-12-04T16:00:00.123Z\treq-1\tinfo\t{\"a\":1}", line);
    }

    [Fact]
    public void FormatLine_WhenJson_ShouldWrapTheLineAsTheMessageString()
    {
        var line = LambdaRuntimeConsole.FormatLine(RuntimeLogFormat.Json, "{\"a\":1}", At, "req-1");

        using var json = JsonDocument.Parse(line);
        Assert.Equal("Information", json.RootElement.GetProperty("level").GetString());
        Assert.Equal("req-1", json.RootElement.GetProperty("requestId").GetString());
        Assert.Equal("{\"a\":1}", json.RootElement.GetProperty("message").GetString());
        Assert.False(json.RootElement.TryGetProperty("a", out _));
    }

    [Fact]
    public void WriteLine_WhenAFunctionWrites_ShouldAddOneEventToItsLogGroupAndTheFile()
    {
        var group = new LogGroupEvents("/aws/lambda/fn");
        using var file = new StringWriter();
        using var console = new LambdaRuntimeConsole(RuntimeLogFormat.Unformatted, group, file, TimeProvider.System);

        console.WriteLine("{\"a\":1}");

        Assert.Equal("{\"a\":1}", Assert.Single(group.Events).Message);
        Assert.Equal("{\"a\":1}" + Environment.NewLine, file.ToString());
    }
}
