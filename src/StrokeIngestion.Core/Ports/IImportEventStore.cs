using StrokeIngestion.Core.Domain;

namespace StrokeIngestion.Core.Ports;

/// <summary>What recording an import-end event on its study found.</summary>
/// <param name="Recorded">False when nothing was written: no such study, or it names another import job.</param>
/// <param name="WorkflowTaskToken">The token of the workflow waiting for the event, when one is armed.</param>
public sealed record ImportEventRecording(bool Recorded, string? WorkflowTaskToken)
{
    public static ImportEventRecording Refused { get; } = new(false, null);
}

/// <summary>
/// Where the workflow's wait for HealthImaging's import-end event meets the event, on the
/// study record. Both writes are conditional on the same item, so whichever comes second
/// sees the first: a workflow never waits for an event that has already been recorded.
/// Failures surface as <see cref="Errors.DependencyException"/>.
/// </summary>
public interface IImportEventStore
{
    /// <summary>
    /// Stores the waiting workflow's task token (<c>workflow_task_token</c>) unless the import
    /// event has already been recorded or the study does not exist.
    /// </summary>
    /// <param name="at">The time of the write (<see cref="Timestamps"/> format), kept as <c>updated_at</c>.</param>
    /// <returns>True when stored; false (nothing written) when the event came first or there is no such study.</returns>
    Task<bool> TryArmImportEventWaitAsync(StudyId id, string taskToken, string at, CancellationToken cancellationToken);

    /// <summary>
    /// Records that the import ended (<c>import_event_status</c>, <c>import_event_at</c>) when
    /// the study exists and has no import job id yet or exactly <paramref name="importJobId"/>.
    /// Repeating it rewrites the same values.
    /// </summary>
    /// <returns>The stored task token, if any; <see cref="ImportEventRecording.Refused"/> when the condition failed.</returns>
    Task<ImportEventRecording> TryRecordImportEventAsync(StudyId id, string importJobId, string jobStatus, string at, CancellationToken cancellationToken);
}
