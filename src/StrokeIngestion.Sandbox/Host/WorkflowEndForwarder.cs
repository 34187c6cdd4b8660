using System.Text.Json.Nodes;
using StrokeIngestion.Sandbox.StepFunctions;

namespace StrokeIngestion.Sandbox.Host;

/// <summary>
/// The stack's EventBridge backstop rule, locally: an execution of the processing state machine
/// that ends TIMED_OUT, ABORTED or FAILED is handed to the import monitor, which makes sure the
/// study ends in a terminal status. A failed invocation is retried like the rule's target
/// (8 retries, with backoff) before it counts as dead-lettered.
/// </summary>
internal sealed class WorkflowEndForwarder : IAsyncDisposable
{
    /// <summary>The rule target's RetryAttempts in the stack.</summary>
    public const int RetryAttempts = RuleTargetDelivery.RetryAttempts;

    private readonly string _stateMachineArn;
    private readonly RuleTargetDelivery _delivery;
    private int _forwarded;

    public WorkflowEndForwarder(ImportMonitor.Function monitor, string stateMachineArn, TextWriter progress)
        : this(monitor.Handle, stateMachineArn, progress, TimeSpan.FromMilliseconds(100))
    {
    }

    /// <param name="invoke">The monitor's handler.</param>
    /// <param name="stateMachineArn">Only this state machine's executions are forwarded.</param>
    /// <param name="progress">Where a dead-lettered event is reported.</param>
    /// <param name="firstRetryDelay">Doubles per retry, at most 5 s.</param>
    public WorkflowEndForwarder(Func<Stream, Task<Stream>> invoke, string stateMachineArn, TextWriter progress, TimeSpan firstRetryDelay)
    {
        _stateMachineArn = stateMachineArn;
        _delivery = new RuleTargetDelivery(invoke, "backstop", progress, firstRetryDelay);
    }

    /// <summary>Executions handed to the monitor.</summary>
    public int Forwarded => Volatile.Read(ref _forwarded);

    /// <summary>Executions whose every invocation failed (in AWS: parked in the dead-letter queue).</summary>
    public int DeadLettered => _delivery.DeadLettered;

    public void Forward(ExecutionSnapshot execution)
    {
        var status = execution.Status switch
        {
            ExecutionStatus.TimedOut => "TIMED_OUT",
            ExecutionStatus.Aborted => "ABORTED",
            ExecutionStatus.Failed => "FAILED",
            _ => null,
        };
        if (status is null || execution.StateMachineArn != _stateMachineArn)
        {
            return;
        }

        var payload = new JsonObject { ["execution_name"] = execution.Name, ["execution_status"] = status }.ToJsonString();
        Interlocked.Increment(ref _forwarded);
        _delivery.Deliver(execution.Name, payload);
    }

    /// <summary>Completes when every forwarded event has been delivered or dead-lettered.</summary>
    public Task DrainAsync() => _delivery.DrainAsync();

    public ValueTask DisposeAsync() => _delivery.DisposeAsync();
}
