using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using StrokeIngestion.Core.Errors;
using StrokeIngestion.Core.Monitoring;
using StrokeIngestion.Core.Observability;

namespace StrokeIngestion.ImportMonitor;

/// <summary>
/// Lambda entry of the import monitor (handler
/// <c>StrokeIngestion.ImportMonitor::StrokeIngestion.ImportMonitor.Function::Handle</c>).
/// Partial: the composition root (the runtime's parameterless constructor) lives beside it.
/// </summary>
[SuppressMessage("Naming", "CA1716:Identifiers should not match keywords", Justification = "The Lambda handler string fixes the name Function.")]
public sealed partial class Function
{
    private readonly ImportMonitorService _service;
    private readonly ImportEventService _events;
    private readonly StructuredLog _log;

    /// <summary>Wires the function to services built elsewhere (tests, the local sandbox).</summary>
    public Function(ImportMonitorService service, ImportEventService events, StructuredLog log)
    {
        _service = service;
        _events = events;
        _log = log;
    }

    internal Function(MonitorServices services, StructuredLog log)
        : this(services.Polls, services.Events, log)
    {
    }

    /// <summary>
    /// Handles one of four inputs, each idempotent: a poll of the state machine's loop (output:
    /// the next loop state, attempt + 1); AwaitImportEnd's arming with a task token (output
    /// <c>{"study_id","armed"}</c>); HealthImaging's import-end event (output
    /// <c>{"study_id","woke_workflow"}</c>); a backstop event (output <c>{"study_id","status","done":true}</c>).
    /// Throws <see cref="InvalidMonitorInputException"/> for input outside the contract and lets
    /// <see cref="DependencyException"/>s through unchanged: the state machine retries on the
    /// name <c>TransientDependencyException</c> and catches everything else.
    /// </summary>
    public async Task<Stream> Handle(Stream input)
    {
        var started = Stopwatch.GetTimestamp();
        var cancellationToken = CancellationToken.None;
        string? studyId = null;
        try
        {
            var decoded = await MonitorInputReader.ReadAsync(input, cancellationToken);
            if (decoded.IsWorkflowEnd)
            {
                return await RecordWorkflowEndAsync(decoded, started, cancellationToken);
            }

            if (decoded.IsImportEvent)
            {
                return await RecordImportEventAsync(decoded, started, cancellationToken);
            }

            if (decoded.IsArm)
            {
                var arm = MonitorInputReader.ToArmRequest(decoded);
                studyId = arm.StudyId.Value;
                var armed = await _events.ArmAsync(arm, cancellationToken);
                return Encode(new ArmOutput(armed.StudyId.Value, armed.Armed), MonitorJsonContext.Default.ArmOutput);
            }

            var request = MonitorInputReader.ToPollRequest(decoded);
            studyId = request.StudyId.Value;
            return await PollAsync(request, started, cancellationToken);
        }
        catch (Exception exception)
        {
            // Type and code only: messages are safe by contract, but the type is what matters to the reader.
            _log.Error(
                "Import monitor invocation failed",
                new LogField("study_id", studyId),
                new LogField("error_type", exception.GetType().Name),
                new LogField("error_code", (exception as DependencyException)?.ErrorCode),
                new LogField("duration_ms", ElapsedMs(started)));
            throw;
        }
    }

    private async Task<Stream> PollAsync(ImportPollRequest request, long started, CancellationToken cancellationToken)
    {
        var outcome = await _service.PollAsync(request, cancellationToken);
        _log.Info(
            "Import polled",
            new LogField("study_id", request.StudyId.Value),
            new LogField("import_job_id", request.ImportJobId),
            new LogField("import_status", outcome.ImportStatus),
            new LogField("status", outcome.Status),
            new LogField("done", outcome.Done),
            new LogField("failure_reason", outcome.FailureReason),

            // The import-events-missing metric filter matches this field: rename it only with the filter.
            new LogField("import_event_missing", outcome.ImportEventMissing),
            new LogField("attempt", request.Attempt),
            new LogField("duration_ms", ElapsedMs(started)));
        return Encode(PollOutput.From(outcome), MonitorJsonContext.Default.PollOutput);
    }

    private async Task<Stream> RecordImportEventAsync(MonitorInput decoded, long started, CancellationToken cancellationToken)
    {
        var outcome = await _events.RecordImportEventAsync(MonitorInputReader.ToImportJobEndEvent(decoded), cancellationToken);
        _log.Info(
            "Import event handled",
            new LogField("study_id", outcome.StudyId?.Value),
            new LogField("woke_workflow", outcome.WokeWorkflow),
            new LogField("duration_ms", ElapsedMs(started)));
        return Encode(new ImportEventOutput(outcome.StudyId?.Value, outcome.WokeWorkflow), MonitorJsonContext.Default.ImportEventOutput);
    }

    private async Task<Stream> RecordWorkflowEndAsync(MonitorInput decoded, long started, CancellationToken cancellationToken)
    {
        var (name, executionStatus) = MonitorInputReader.ToWorkflowEnd(decoded);
        var end = await _service.RecordWorkflowEndAsync(name, executionStatus, cancellationToken);
        _log.Info(
            "Workflow end recorded",
            new LogField("study_id", end.StudyId.Value),
            new LogField("execution_status", executionStatus),
            new LogField("status", end.Status),
            new LogField("done", end.Done),
            new LogField("duration_ms", ElapsedMs(started)));
        return Encode(new WorkflowEndOutput(end.StudyId.Value, end.Status, end.Done), MonitorJsonContext.Default.WorkflowEndOutput);
    }

    private static MemoryStream Encode<T>(T value, JsonTypeInfo<T> typeInfo)
    {
        var output = new MemoryStream();
        JsonSerializer.Serialize(output, value, typeInfo);
        output.Position = 0;
        return output;
    }

    private static long ElapsedMs(long started) => (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
}
