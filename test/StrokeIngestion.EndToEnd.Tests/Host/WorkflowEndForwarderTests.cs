using System.Text;
using StrokeIngestion.Sandbox.Host;
using StrokeIngestion.Sandbox.StepFunctions;

namespace StrokeIngestion.EndToEnd.Tests.Host;

/// <summary>The backstop rule, locally: it must deliver through the monitor's transient failures, as EventBridge does.</summary>
public sealed class WorkflowEndForwarderTests
{
    private const string StateMachineArn = "arn:aws:states:us-east-1:000000000000:stateMachine:stroke-detection-ai-processing";

    private readonly List<string> _payloads = [];
    private int _failuresLeft;

    private Task<Stream> Monitor(Stream input)
    {
        lock (_payloads)
        {
            _payloads.Add(new StreamReader(input).ReadToEnd());
            if (_failuresLeft-- > 0)
            {
                throw new InvalidOperationException("DynamoDB throttled the monitor");
            }
        }

        return Task.FromResult<Stream>(new MemoryStream(Encoding.UTF8.GetBytes("{}")));
    }

    private static ExecutionSnapshot Execution(ExecutionStatus status, string stateMachineArn = StateMachineArn) => new(
        StateMachineArn.Replace(":stateMachine:", ":execution:", StringComparison.Ordinal) + ":stroke-analysis-STUDY-0123456789ab",
        stateMachineArn,
        "stroke-analysis-STUDY-0123456789ab",
        status,
        DateTimeOffset.UnixEpoch,
        DateTimeOffset.UnixEpoch,
        "{}",
        null,
        "MonitorFailed",
        null,
        null,
        null,
        5);

    [Fact]
    public async Task Forward_WhenTheMonitorFailsTwice_ShouldRetryUntilItIsDelivered()
    {
        _failuresLeft = 2;
        await using var forwarder = new WorkflowEndForwarder(Monitor, StateMachineArn, TextWriter.Null, TimeSpan.FromMilliseconds(1));

        forwarder.Forward(Execution(ExecutionStatus.Failed));
        await forwarder.DrainAsync();

        Assert.Equal(3, _payloads.Count);
        Assert.All(_payloads, p => Assert.Equal("""{"execution_name":"stroke-analysis-STUDY-0123456789ab","execution_status":"FAILED"}""", p));
        Assert.Equal(0, forwarder.DeadLettered);
    }

    [Fact]
    public async Task Forward_WhenTheMonitorNeverSucceeds_ShouldGiveUpAfterTheRulesRetriesAndSaySo()
    {
        _failuresLeft = int.MaxValue;
        using var progress = new StringWriter();
        await using var forwarder = new WorkflowEndForwarder(Monitor, StateMachineArn, progress, TimeSpan.FromMilliseconds(1));

        forwarder.Forward(Execution(ExecutionStatus.TimedOut));
        await forwarder.DrainAsync();

        Assert.Equal(1 + WorkflowEndForwarder.RetryAttempts, _payloads.Count);
        Assert.Equal(1, forwarder.DeadLettered);
        Assert.Contains("stroke-analysis-STUDY-0123456789ab", progress.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true, StateMachineArn)]
    [InlineData(false, "arn:aws:states:us-east-1:000000000000:stateMachine:another")]
    public async Task Forward_WhenTheExecutionSucceededOrIsAnotherMachines_ShouldNotInvokeTheMonitor(bool succeeded, string stateMachineArn)
    {
        var status = succeeded ? ExecutionStatus.Succeeded : ExecutionStatus.Failed;
        await using var forwarder = new WorkflowEndForwarder(Monitor, StateMachineArn, TextWriter.Null, TimeSpan.FromMilliseconds(1));

        forwarder.Forward(Execution(status, stateMachineArn));
        await forwarder.DrainAsync();

        Assert.Empty(_payloads);
        Assert.Equal(0, forwarder.Forwarded);
    }
}
