using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
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
    private readonly StructuredLog _log;

    /// <summary>Wires the function to a service built elsewhere (tests, the local sandbox).</summary>
    public Function(ImportMonitorService service, StructuredLog log)
    {
        _service = service;
        _log = log;
    }

    /// <summary>
    /// Handles one poll of the state machine's loop (output: the next loop state, attempt + 1)
    /// or one backstop event (output: <c>{"study_id","status","done":true}</c>). Idempotent.
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

            var request = MonitorInputReader.ToPollRequest(decoded);
            studyId = request.StudyId.Value;
            var outcome = await _service.PollAsync(request, cancellationToken);
            _log.Info(
                "Import polled",
                new LogField("study_id", studyId),
                new LogField("import_job_id", request.ImportJobId),
                new LogField("import_status", outcome.ImportStatus),
                new LogField("status", outcome.Status),
                new LogField("done", outcome.Done),
                new LogField("failure_reason", outcome.FailureReason),
                new LogField("attempt", request.Attempt),
                new LogField("duration_ms", ElapsedMs(started)));
            return Encode(PollOutput.From(outcome), MonitorJsonContext.Default.PollOutput);
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

    private static MemoryStream Encode<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo)
    {
        var output = new MemoryStream();
        JsonSerializer.Serialize(output, value, typeInfo);
        output.Position = 0;
        return output;
    }

    private static long ElapsedMs(long started) => (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
}
