using System.Text;
using System.Text.Json.Nodes;
using StrokeIngestion.Sandbox.StepFunctions;

namespace StrokeIngestion.Sandbox.Host;

/// <summary>
/// The stack's EventBridge backstop rule, locally: an execution of the processing state machine
/// that ends TIMED_OUT, ABORTED or FAILED is handed to the import monitor, which makes sure the
/// study ends in a terminal status.
/// </summary>
internal sealed class WorkflowEndForwarder : IAsyncDisposable
{
    private readonly ImportMonitor.Function _monitor;
    private readonly string _stateMachineArn;
    private readonly TextWriter _progress;
    private readonly List<Task> _pending = [];
    private readonly Lock _gate = new();

    public WorkflowEndForwarder(ImportMonitor.Function monitor, string stateMachineArn, TextWriter progress)
    {
        _monitor = monitor;
        _stateMachineArn = stateMachineArn;
        _progress = progress;
    }

    public int Forwarded { get; private set; }

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
        lock (_gate)
        {
            Forwarded++;
            _pending.Add(Task.Run(() => InvokeAsync(execution.Name, payload)));
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task[] pending;
        lock (_gate)
        {
            pending = [.. _pending];
        }

        await Task.WhenAll(pending);
    }

    private async Task InvokeAsync(string executionName, string payload)
    {
        try
        {
            await using var output = await _monitor.Handle(new MemoryStream(Encoding.UTF8.GetBytes(payload)));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // EventBridge would retry, then dead-letter; the sandbox says so.
            await _progress.WriteLineAsync($"sandbox: backstop for {executionName} failed: {ex.GetType().Name}");
        }
    }
}
