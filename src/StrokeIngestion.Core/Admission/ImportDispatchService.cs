using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Errors;
using StrokeIngestion.Core.Ports;
using StrokeIngestion.Core.Resilience;
using StrokeIngestion.Core.Upload;

namespace StrokeIngestion.Core.Admission;

/// <summary>What became of one queue message.</summary>
/// <param name="Done">True: delete the message. False: put it back for <see cref="RetryAfter"/>.</param>
/// <param name="Outcome">A stable word for logs and metrics (no PHI).</param>
public sealed record DispatchResult(bool Done, TimeSpan RetryAfter, string Outcome)
{
    public static DispatchResult Finished(string outcome) => new(true, TimeSpan.Zero, outcome);

    public static DispatchResult Later(TimeSpan retryAfter, string outcome) => new(false, retryAfter, outcome);
}

/// <summary>
/// Starts one queued study's import when admission allows: take a start token and a job slot,
/// copy the objects (resuming a partial copy), StartDICOMImportJob with the study id as
/// client token, start the monitoring workflow, mark the study IMPORTING. Throttling, quota
/// and transient failures give the slot back and put the message back with backoff: they
/// never mark the study failed. Repeating a message for a study already started does nothing.
/// </summary>
public sealed class ImportDispatchService
{
    /// <summary>Statuses a queued study may be started from (RECEIVED and UPLOAD_FAILED: left by an earlier inline attempt).</summary>
    public static readonly IReadOnlyList<string> StartableStatuses = [StudyStatus.Queued, StudyStatus.Received, StudyStatus.UploadFailed];

    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(60);

    private readonly IStudyStore _studies;
    private readonly IObjectStore _objects;
    private readonly IImportService _imports;
    private readonly ImportLauncher _launcher;
    private readonly AdmissionController _admission;
    private readonly RetryPolicy _retry;
    private readonly TimeProvider _time;

    public ImportDispatchService(
        IStudyStore studies,
        IObjectStore objects,
        IImportService imports,
        ImportLauncher launcher,
        AdmissionController admission,
        RetryPolicy retry,
        TimeProvider time)
    {
        _studies = studies;
        _objects = objects;
        _imports = imports;
        _launcher = launcher;
        _admission = admission;
        _retry = retry;
        _time = time;
    }

    /// <summary>Handles one message. Never throws for an expected failure; the result says whether to keep the message.</summary>
    /// <param name="receiveCount">How often the queue has delivered this message (1 the first time): the backoff grows with it.</param>
    public async Task<DispatchResult> DispatchAsync(StudyId id, StudyPriority priority, int receiveCount, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        Study? study;
        try
        {
            study = await _retry.RunAsync(ct => _studies.GetAsync(id, ct), cancellationToken);
        }
        catch (TransientDependencyException)
        {
            return DispatchResult.Later(Backoff(receiveCount), "study_table_unavailable");
        }

        if (study is null)
        {
            return DispatchResult.Finished("unknown_study");
        }

        if (!StartableStatuses.Contains(study.Status))
        {
            return DispatchResult.Finished("already_started");
        }

        AdmissionDecision decision;
        try
        {
            decision = await _admission.TryAdmitAsync(id, priority, cancellationToken);
        }
        catch (TransientDependencyException)
        {
            return DispatchResult.Later(Backoff(receiveCount), "ledger_unavailable");
        }

        if (!decision.Admitted)
        {
            return DispatchResult.Later(decision.RetryAfter, OutcomeName(decision.Outcome));
        }

        return await StartAsync(study, receiveCount, cancellationToken);
    }

    private async Task<DispatchResult> StartAsync(Study study, int receiveCount, CancellationToken cancellationToken)
    {
        var step = "copy_failed";
        ImportJob? job = null;
        try
        {
            var sources = await ResolveSourcesAsync(study, cancellationToken);
            if (sources is null)
            {
                await FailAsync(study.StudyId, "objects_changed", "The uploaded objects changed or disappeared after validation; upload the study again under a new key.");
                await _admission.AbandonAsync(study.StudyId, CancellationToken.None);
                return DispatchResult.Finished("objects_changed");
            }

            await _launcher.CopyAsync(study, sources, resume: true, cancellationToken);

            step = "import_start_failed";
            job = await _imports.StartImportAsync(_launcher.ImportRequestFor(study), cancellationToken);

            step = "workflow_start_failed";
            var execution = await _launcher.StartWorkflowAsync(study, job, cancellationToken);
            await _launcher.MarkImportingAsync(study, job, execution, StartableStatuses.ToArray(), cancellationToken);
            return DispatchResult.Finished("started");
        }
        catch (TransientDependencyException ex)
        {
            // Throttled, over quota or briefly down: the study waits in the queue, unharmed. A
            // job that did start keeps its slot (the retry finds it by client token).
            if (job is null)
            {
                await _admission.AbandonAsync(study.StudyId, CancellationToken.None);
            }

            return DispatchResult.Later(Backoff(receiveCount), ex.Throttled ? "throttled" : "unavailable");
        }
        catch (DependencyException ex)
        {
            await FailAsync(study.StudyId, step, $"{ex.Dependency} answered {ex.ErrorCode}.");
            if (job is null)
            {
                await _admission.AbandonAsync(study.StudyId, CancellationToken.None);
            }

            return DispatchResult.Finished(step);
        }
    }

    /// <summary>The objects as validated, or null when any differs now (the digest is over keys, versions/ETags and sizes).</summary>
    private async Task<IReadOnlyList<StoredObject>?> ResolveSourcesAsync(Study study, CancellationToken cancellationToken)
    {
        IReadOnlyList<StoredObject> sources;
        if (study.S3Key.EndsWith('/'))
        {
            sources = await _retry.RunAsync(ct => _objects.ListAsync(study.S3Key, study.FileCount + 1, ct), cancellationToken);
        }
        else
        {
            var single = await _retry.RunAsync(ct => _objects.GetInfoAsync(study.S3Key, ct), cancellationToken);
            sources = single is null ? [] : [single];
        }

        if (sources.Count != study.FileCount || (study.SourceDigest is { } digest && UploadService.SourceDigest(sources) != digest))
        {
            return null;
        }

        return sources;
    }

    private async Task FailAsync(StudyId id, string reason, string message)
    {
        var update = new StudyUpdate
        {
            UpdatedAt = Timestamps.Now(_time),
            Status = StudyStatus.UploadFailed,
            FailureReason = reason,
            FailureMessage = message,
        };

        // Not cancellable: the record must say what happened. If even this fails, the study
        // stays QUEUED and the sweeper brings it back.
        try
        {
            await _retry.RunAsync(ct => _studies.TryUpdateAsync(id, update, StartableStatuses.ToArray(), ct), CancellationToken.None);
        }
        catch (DependencyException)
        {
        }
    }

    /// <summary>1 s, 2 s, 4 s … per delivery, at most 60 s.</summary>
    public static TimeSpan Backoff(int receiveCount)
    {
        var exponent = Math.Clamp(receiveCount - 1, 0, 6);
        var seconds = Math.Pow(2, exponent);
        return TimeSpan.FromSeconds(Math.Min(seconds, MaxBackoff.TotalSeconds));
    }

    private static string OutcomeName(AdmissionOutcome outcome) => outcome switch
    {
        AdmissionOutcome.NoStartToken => "no_start_token",
        AdmissionOutcome.NoJobSlot => "no_job_slot",
        AdmissionOutcome.YieldToUrgent => "yield_to_urgent",
        _ => "admitted",
    };
}
