using System.Text;
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
    public const int RetryAttempts = 8;

    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(5);

    private readonly Func<Stream, Task<Stream>> _invoke;
    private readonly string _stateMachineArn;
    private readonly TextWriter _progress;
    private readonly TimeSpan _firstRetryDelay;
    private readonly List<Task> _pending = [];
    private readonly Lock _gate = new();
    private int _forwarded;
    private int _deadLettered;

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
        _invoke = invoke;
        _stateMachineArn = stateMachineArn;
        _progress = progress;
        _firstRetryDelay = firstRetryDelay;
    }

    /// <summary>Executions handed to the monitor.</summary>
    public int Forwarded => Volatile.Read(ref _forwarded);

    /// <summary>Executions whose every invocation failed (in AWS: parked in the dead-letter queue).</summary>
    public int DeadLettered => Volatile.Read(ref _deadLettered);

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
        lock (_gate)
        {
            _pending.RemoveAll(t => t.IsCompleted);
            _pending.Add(Task.Run(() => InvokeAsync(execution.Name, payload)));
        }
    }

    /// <summary>Completes when every forwarded event has been delivered or dead-lettered.</summary>
    public async Task DrainAsync()
    {
        Task[] pending;
        lock (_gate)
        {
            pending = [.. _pending];
        }

        await Task.WhenAll(pending);
    }

    public async ValueTask DisposeAsync() => await DrainAsync();

    private async Task InvokeAsync(string executionName, string payload)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await using var output = await _invoke(new MemoryStream(Encoding.UTF8.GetBytes(payload)));
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                if (attempt >= RetryAttempts)
                {
                    // EventBridge would park it in the dead-letter queue; the sandbox says so.
                    Interlocked.Increment(ref _deadLettered);
                    await _progress.WriteLineAsync($"sandbox: backstop for {executionName} failed {attempt + 1} times: {ex.GetType().Name}");
                    return;
                }
            }

            var delay = _firstRetryDelay * Math.Pow(2, attempt);
            await Task.Delay(delay < MaxRetryDelay ? delay : MaxRetryDelay);
        }
    }
}
