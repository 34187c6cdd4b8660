using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Monitoring;

namespace StrokeIngestion.ImportMonitor;

/// <summary>
/// Every input shape the function accepts: the loop state from the state machine
/// (<c>study_id, datastore_id, import_job_id, attempt</c>), the same plus <c>task_token</c>
/// from AwaitImportEnd, the backstop rule's (<c>execution_name, execution_status</c>) and the
/// import-job-ended rule's (<c>import_job_event</c>). Fields of the other shapes stay null.
/// </summary>
internal sealed record MonitorInput(
    [property: JsonPropertyName("study_id")] string? StudyId,
    [property: JsonPropertyName("datastore_id")] string? DatastoreId,
    [property: JsonPropertyName("import_job_id")] string? ImportJobId,
    [property: JsonPropertyName("attempt")] int? Attempt,
    [property: JsonPropertyName("task_token")] string? TaskToken,
    [property: JsonPropertyName("execution_name")] string? ExecutionName,
    [property: JsonPropertyName("execution_status")] string? ExecutionStatus,
    [property: JsonPropertyName("import_job_event")] ImportJobEventInput? ImportJobEvent)
{
    public bool IsWorkflowEnd => ExecutionName is not null || ExecutionStatus is not null;

    public bool IsImportEvent => ImportJobEvent is not null;

    public bool IsArm => TaskToken is not null;

    public bool HasLoopState => StudyId is not null || DatastoreId is not null || ImportJobId is not null || Attempt is not null;
}

/// <summary>HealthImaging's import-end event as the import-job-ended rule's input transformer shapes it.</summary>
internal sealed record ImportJobEventInput(
    [property: JsonPropertyName("datastore_id")] string? DatastoreId,
    [property: JsonPropertyName("job_id")] string? JobId,
    [property: JsonPropertyName("job_name")] string? JobName,
    [property: JsonPropertyName("job_status")] string? JobStatus);

/// <summary>The next loop state (the Lambda task's <c>$.Payload</c> replaces the state with it).</summary>
internal sealed record PollOutput(
    [property: JsonPropertyName("study_id")] string StudyId,
    [property: JsonPropertyName("datastore_id")] string DatastoreId,
    [property: JsonPropertyName("import_job_id")] string ImportJobId,
    [property: JsonPropertyName("attempt")] int Attempt,
    [property: JsonPropertyName("import_status")] string? ImportStatus,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("done")] bool Done,
    [property: JsonPropertyName("image_set_id")] string? ImageSetId,
    [property: JsonPropertyName("image_set_ids")] IReadOnlyList<string> ImageSetIds,
    [property: JsonPropertyName("failure_reason")] string? FailureReason)
{
    public static PollOutput From(ImportPollOutcome outcome) => new(
        outcome.StudyId.Value,
        outcome.DatastoreId,
        outcome.ImportJobId,
        outcome.Attempt,
        outcome.ImportStatus,
        outcome.Status,
        outcome.Done,
        outcome.ImageSetId,
        outcome.ImageSetIds,
        outcome.FailureReason);
}

internal sealed record WorkflowEndOutput(
    [property: JsonPropertyName("study_id")] string StudyId,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("done")] bool Done);

/// <summary>AwaitImportEnd's invocation result (Step Functions waits for the token and ignores it).</summary>
internal sealed record ArmOutput(
    [property: JsonPropertyName("study_id")] string StudyId,
    [property: JsonPropertyName("armed")] bool Armed);

internal sealed record ImportEventOutput(
    [property: JsonPropertyName("study_id")] string? StudyId,
    [property: JsonPropertyName("woke_workflow")] bool WokeWorkflow);

[JsonSourceGenerationOptions(GenerationMode = JsonSourceGenerationMode.Default)]
[JsonSerializable(typeof(MonitorInput))]
[JsonSerializable(typeof(PollOutput))]
[JsonSerializable(typeof(WorkflowEndOutput))]
[JsonSerializable(typeof(ArmOutput))]
[JsonSerializable(typeof(ImportEventOutput))]
internal sealed partial class MonitorJsonContext : JsonSerializerContext;

/// <summary>Decodes and validates the input; every failure is an <see cref="InvalidMonitorInputException"/> naming the field, never echoing a value.</summary>
internal static partial class MonitorInputReader
{
    // Step Functions' limit on a task token.
    private const int MaxTaskTokenLength = 2048;

    public static async Task<MonitorInput> ReadAsync(Stream input, CancellationToken cancellationToken)
    {
        MonitorInput? decoded;
        try
        {
            decoded = await JsonSerializer.DeserializeAsync(input, MonitorJsonContext.Default.MonitorInput, cancellationToken);
        }
        catch (JsonException exception)
        {
            throw new InvalidMonitorInputException("The input is not a JSON object of the import monitor's contract.", exception);
        }

        if (decoded is null)
        {
            throw new InvalidMonitorInputException("The input is JSON null; expected an object.");
        }

        if (decoded.IsWorkflowEnd && (decoded.StudyId is not null || decoded.ImportJobId is not null))
        {
            throw new InvalidMonitorInputException("The input mixes the loop-state and the workflow-end shapes.");
        }

        if (decoded.IsImportEvent && (decoded.HasLoopState || decoded.IsWorkflowEnd || decoded.IsArm))
        {
            throw new InvalidMonitorInputException("The input mixes the import-event shape with another.");
        }

        if (decoded.IsArm && decoded.IsWorkflowEnd)
        {
            throw new InvalidMonitorInputException("The input mixes the task-token and the workflow-end shapes.");
        }

        return decoded;
    }

    public static ImportPollRequest ToPollRequest(MonitorInput input)
    {
        if (!StudyId.TryParse(input.StudyId, out var studyId))
        {
            throw new InvalidMonitorInputException("study_id is missing or not STUDY-<12 hex digits>.");
        }

        if (input.DatastoreId is null || !DatastoreIdShape().IsMatch(input.DatastoreId))
        {
            throw new InvalidMonitorInputException("datastore_id is missing or not 32 characters [0-9a-z].");
        }

        if (input.ImportJobId is null || !JobIdShape().IsMatch(input.ImportJobId))
        {
            throw new InvalidMonitorInputException("import_job_id is missing or not 1-32 characters [0-9a-z].");
        }

        if (input.Attempt is not { } attempt || attempt < 0)
        {
            throw new InvalidMonitorInputException("attempt is missing or negative.");
        }

        return new ImportPollRequest(studyId, input.DatastoreId, input.ImportJobId, attempt);
    }

    public static ArmRequest ToArmRequest(MonitorInput input)
    {
        var poll = ToPollRequest(input);
        if (input.TaskToken is not { Length: >= 1 and <= MaxTaskTokenLength } token)
        {
            throw new InvalidMonitorInputException($"task_token is missing or not 1-{MaxTaskTokenLength} characters.");
        }

        return new ArmRequest(poll.StudyId, poll.DatastoreId, poll.ImportJobId, poll.Attempt, token);
    }

    /// <summary>
    /// Checks only that the four fields are there: whether the event is about one of our
    /// studies is the service's question, and a foreign event is ignored, not an error.
    /// </summary>
    public static ImportJobEndEvent ToImportJobEndEvent(MonitorInput input) =>
        input.ImportJobEvent is { DatastoreId: { } datastoreId, JobId: { } jobId, JobName: { } jobName, JobStatus: { } jobStatus }
            ? new ImportJobEndEvent(datastoreId, jobId, jobName, jobStatus)
            : throw new InvalidMonitorInputException("import_job_event needs datastore_id, job_id, job_name and job_status as strings.");

    public static (string ExecutionName, string ExecutionStatus) ToWorkflowEnd(MonitorInput input) =>
        input is { ExecutionName: { } name, ExecutionStatus: { } status }
            ? (name, status)
            : throw new InvalidMonitorInputException("execution_name and execution_status are both required.");

    [GeneratedRegex(@"^[0-9a-z]{32}\z", RegexOptions.CultureInvariant)]
    private static partial Regex DatastoreIdShape();

    [GeneratedRegex(@"^[0-9a-z]{1,32}\z", RegexOptions.CultureInvariant)]
    private static partial Regex JobIdShape();
}
