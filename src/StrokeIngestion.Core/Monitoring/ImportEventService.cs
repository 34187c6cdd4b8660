using System.Text.RegularExpressions;
using StrokeIngestion.Core.Admission;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Errors;
using StrokeIngestion.Core.Observability;
using StrokeIngestion.Core.Ports;

namespace StrokeIngestion.Core.Monitoring;

/// <summary>
/// Lets the monitoring workflow wait for HealthImaging's import-end event instead of polling:
/// <see cref="ArmAsync"/> parks the workflow's task token on the study, and
/// <see cref="RecordImportEventAsync"/> resumes the workflow when the event arrives. Either
/// may come first; the study record decides which one resumes the workflow, so it is resumed
/// exactly when the import has ended (or at once when there is nothing to wait for).
/// </summary>
/// <remarks>
/// The event is a wake-up call only: the status is decided by the next status check
/// (<see cref="ImportMonitorService.PollAsync"/>), never by the event's job status. Events are
/// best effort, so the workflow falls back to polling when none arrives in time. Task tokens
/// are credentials for an execution and never appear in logs.
/// </remarks>
public sealed partial class ImportEventService
{
    private readonly IImportEventStore _store;
    private readonly IWorkflowCallback _callback;
    private readonly TimeProvider _time;
    private readonly StructuredLog _log;
    private readonly AdmissionController? _admission;

    /// <param name="admission">When set, an import's end frees its job slot (the poll may do it first; either is fine).</param>
    public ImportEventService(IImportEventStore store, IWorkflowCallback callback, TimeProvider time, StructuredLog log, AdmissionController? admission = null)
    {
        _admission = admission;
        _store = store;
        _callback = callback;
        _time = time;
        _log = log;
    }

    /// <summary>
    /// Stores the task token on the study unless the import event has already been recorded
    /// or the study does not exist; in those cases resumes the workflow at once, so that its
    /// status check runs now (and reports a missing study as such). Idempotent.
    /// </summary>
    /// <exception cref="TransientDependencyException">The table or Step Functions failed transiently; the state machine retries.</exception>
    /// <exception cref="DependencyException">A permanent failure; the state machine falls back to polling.</exception>
    public async Task<ArmOutcome> ArmAsync(ArmRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);

        if (await _store.TryArmImportEventWaitAsync(request.StudyId, request.TaskToken, Timestamps.Now(_time), cancellationToken))
        {
            _log.Info(
                "Waiting for the import event",
                new LogField("study_id", request.StudyId.Value),
                new LogField("import_job_id", request.ImportJobId));
            return new ArmOutcome(request.StudyId, Armed: true);
        }

        var resumed = await _callback.TryResumeAsync(request.TaskToken, cancellationToken);
        _log.Info(
            "Import event already recorded or study missing: status check resumed at once",
            new LogField("study_id", request.StudyId.Value),
            new LogField("import_job_id", request.ImportJobId),
            new LogField("resumed", resumed));
        return new ArmOutcome(request.StudyId, Armed: false);
    }

    /// <summary>
    /// Records an import-end event on its study (found by the job name <c>stroke-&lt;study_id&gt;</c>)
    /// and resumes the workflow waiting for it, if one is. Events for other imports on the
    /// datastore, for another job than the study's, or with a status that is not an end are
    /// ignored. A stale token (the workflow already moved on) is ignored too. Idempotent.
    /// </summary>
    /// <exception cref="TransientDependencyException">The table or Step Functions failed transiently; Lambda's asynchronous retries repeat the event.</exception>
    /// <exception cref="DependencyException">A permanent failure.</exception>
    public async Task<ImportEventOutcome> RecordImportEventAsync(ImportJobEndEvent importEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(importEvent);

        if (!ImportJobName.TryParseStudyId(importEvent.JobName, out var studyId))
        {
            // Another tool's import on the same datastore: its names and ids are not ours to log.
            _log.Info("Import event ignored", new LogField("reason", "foreign_job_name"));
            return new ImportEventOutcome(null, WokeWorkflow: false);
        }

        if (importEvent.JobId is null || !JobIdShape().IsMatch(importEvent.JobId))
        {
            _log.Warn("Import event ignored", new LogField("study_id", studyId.Value), new LogField("reason", "malformed_job_id"));
            return new ImportEventOutcome(studyId, WokeWorkflow: false);
        }

        if (importEvent.JobStatus is not (ImportJobStatus.Completed or ImportJobStatus.Failed))
        {
            // Recording a non-final status would make a later arm resume at once for nothing.
            _log.Warn("Import event ignored", new LogField("study_id", studyId.Value), new LogField("reason", "not_an_end_status"));
            return new ImportEventOutcome(studyId, WokeWorkflow: false);
        }

        var recording = await _store.TryRecordImportEventAsync(studyId, importEvent.JobId, importEvent.JobStatus, Timestamps.Now(_time), cancellationToken);
        if (!recording.Recorded)
        {
            _log.Warn(
                "Import event ignored",
                new LogField("study_id", studyId.Value),
                new LogField("import_job_id", importEvent.JobId),
                new LogField("reason", "no_study_for_job"));
            return new ImportEventOutcome(studyId, WokeWorkflow: false);
        }

        var freed = _admission is not null && await _admission.ReleaseBestEffortAsync(studyId, cancellationToken);
        var woke = recording.WorkflowTaskToken is { } token && await _callback.TryResumeAsync(token, cancellationToken);
        _log.Info(
            "Import event recorded",
            new LogField("study_id", studyId.Value),
            new LogField("import_job_id", importEvent.JobId),
            new LogField("job_status", importEvent.JobStatus),
            new LogField("armed", recording.WorkflowTaskToken is not null),
            new LogField("woke_workflow", woke),
            new LogField("slot_freed", freed));
        return new ImportEventOutcome(studyId, woke);
    }

    [GeneratedRegex(@"\A[0-9a-z]{1,32}\z", RegexOptions.CultureInvariant)]
    private static partial Regex JobIdShape();
}
