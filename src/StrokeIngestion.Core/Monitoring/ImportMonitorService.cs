using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using StrokeIngestion.Core.Admission;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Errors;
using StrokeIngestion.Core.Observability;
using StrokeIngestion.Core.Ports;

namespace StrokeIngestion.Core.Monitoring;

/// <summary>
/// Follows a study's HealthImaging import: one <see cref="PollAsync"/> per turn of the
/// monitoring state machine's loop, and <see cref="RecordWorkflowEndAsync"/> for the
/// backstop rule that fires when an execution ends without the loop having finished.
/// </summary>
/// <remarks>
/// Every write is conditional on the study still being <see cref="StudyStatus.Monitorable"/>,
/// so a late, repeated or concurrent invocation never moves a study out of a terminal
/// status; when a write loses, the record's own status is reported instead. Repeating a
/// poll with the same input writes the same values (<c>poll_count</c> is derived from the
/// attempt, not incremented). Errors from the ports propagate unchanged:
/// <see cref="TransientDependencyException"/> is retried by the state machine, any other
/// <see cref="DependencyException"/> ends the workflow through its catch.
/// </remarks>
public sealed class ImportMonitorService
{
    private readonly IImportService _imports;
    private readonly IObjectStore _objects;
    private readonly IStudyStore _studies;
    private readonly TimeProvider _time;
    private readonly StructuredLog _log;
    private readonly MonitorOptions _options;
    private readonly AdmissionController? _admission;

    /// <param name="admission">When set, a poll that finds the import ended frees its job slot (the import event may do it first; either is fine).</param>
    public ImportMonitorService(
        IImportService imports,
        IObjectStore objects,
        IStudyStore studies,
        TimeProvider time,
        StructuredLog log,
        MonitorOptions? options = null,
        AdmissionController? admission = null)
    {
        _admission = admission;
        _imports = imports;
        _objects = objects;
        _studies = studies;
        _time = time;
        _log = log;
        _options = options ?? MonitorOptions.Default;
        _options.Validate();
    }

    /// <summary>
    /// Asks HealthImaging about the study's import job and records what it says on the study.
    /// </summary>
    /// <returns>
    /// The next loop state. <see cref="ImportPollOutcome.Done"/> is false only while the job
    /// is SUBMITTED or IN_PROGRESS (or the study sits in a non-terminal status the monitor
    /// may not move, such as UPLOAD_FAILED awaiting the client's retry).
    /// </returns>
    /// <exception cref="TransientDependencyException">
    /// A port failed transiently, or the job COMPLETED and its manifest is not there yet
    /// (within <see cref="MonitorOptions.ManifestGracePeriod"/> of the job's end).
    /// </exception>
    /// <exception cref="DependencyException">
    /// A port failed for good, the job reports an unknown status, or its output location is
    /// outside the upload bucket.
    /// </exception>
    public async Task<ImportPollOutcome> PollAsync(ImportPollRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);

        var study = await _studies.GetAsync(request.StudyId, cancellationToken);
        if (study is null)
        {
            return StudyMissing(request);
        }

        if (StudyStatus.IsTerminal(study.Status))
        {
            return FromRecord(request, study);
        }

        var job = await _imports.GetImportJobAsync(request.DatastoreId, request.ImportJobId, cancellationToken);
        var decision = job switch
        {
            null => Decision.Failed(
                MonitorImportStatus.NotFound,
                FailureReasons.ImportJobNotFound,
                "HealthImaging does not know the import job."),
            { Status: ImportJobStatus.Submitted or ImportJobStatus.InProgress } => Decision.Running(job.Status),
            { Status: ImportJobStatus.Completed } => await DecideCompletedAsync(request, job, cancellationToken),
            { Status: ImportJobStatus.Failed } => await DecideFailedAsync(job, cancellationToken),
            _ => throw new DependencyException(
                Dependency.HealthImaging,
                "UnexpectedJobStatus",
                "The import job reports a status the monitor does not know."),
        };

        // Judged on the record as read before asking HealthImaging: an event recorded after
        // that read came too late to be what woke this check.
        var eventMissing = decision.ImportStatus is ImportJobStatus.Completed or ImportJobStatus.Failed
            && study.ImportEventStatus is null;
        if (_admission is not null && decision.ImportStatus is not (ImportJobStatus.Submitted or ImportJobStatus.InProgress))
        {
            await _admission.ReleaseBestEffortAsync(request.StudyId, cancellationToken);
        }

        return await RecordAsync(request, decision, eventMissing, cancellationToken);
    }

    /// <summary>
    /// Backstop for an execution that ended TIMED_OUT, ABORTED or FAILED: marks the study
    /// IMPORT_TIMED_OUT (<c>workflow_timed_out</c>) or IMPORT_FAILED (<c>workflow_aborted</c>,
    /// <c>workflow_failed</c>) unless it is already terminal, in which case it is left alone.
    /// Idempotent.
    /// </summary>
    /// <returns>The study's status afterwards; IMPORT_FAILED when there is no such study (nothing is written).</returns>
    /// <exception cref="InvalidMonitorInputException">The name is not <c>stroke-analysis-&lt;study_id&gt;</c>, or the status is not one of the three.</exception>
    public async Task<WorkflowEndOutcome> RecordWorkflowEndAsync(string executionName, string executionStatus, CancellationToken cancellationToken)
    {
        if (!WorkflowExecutionName.TryParseStudyId(executionName, out var studyId))
        {
            throw new InvalidMonitorInputException($"execution_name is not '{WorkflowExecutionName.Prefix}<study_id>'.");
        }

        var (status, reason, message) = executionStatus switch
        {
            "TIMED_OUT" => (StudyStatus.ImportTimedOut, FailureReasons.WorkflowTimedOut, "The monitoring workflow timed out before the import ended."),
            "ABORTED" => (StudyStatus.ImportFailed, FailureReasons.WorkflowAborted, "The monitoring workflow was stopped before the import ended."),
            "FAILED" => (StudyStatus.ImportFailed, FailureReasons.WorkflowFailed, "The monitoring workflow failed before the import ended."),
            _ => throw new InvalidMonitorInputException("execution_status must be TIMED_OUT, ABORTED or FAILED."),
        };

        var update = new StudyUpdate
        {
            UpdatedAt = Timestamps.Now(_time),
            Status = status,
            FailureReason = reason,
            FailureMessage = message,
        };
        if (await _studies.TryUpdateAsync(studyId, update, StudyStatus.Monitorable, cancellationToken))
        {
            return new WorkflowEndOutcome(studyId, status);
        }

        var current = await _studies.GetAsync(studyId, cancellationToken);
        if (current is null)
        {
            _log.Warn("Workflow ended for a study that does not exist", new LogField("study_id", studyId.Value));
            return new WorkflowEndOutcome(studyId, StudyStatus.ImportFailed);
        }

        return new WorkflowEndOutcome(studyId, current.Status);
    }

    private async Task<Decision> DecideCompletedAsync(ImportPollRequest request, ImportJob job, CancellationToken cancellationToken)
    {
        var folder = OutputFolder(job)
            ?? throw new DependencyException(Dependency.HealthImaging, "MissingOutputLocation", "The completed import job reports no output location.");

        var text = await ReadManifestAsync(folder + ImportManifest.FileName, cancellationToken);
        if (text is null)
        {
            if (job.EndedAt is { } endedAt && _time.GetUtcNow() - endedAt > _options.ManifestGracePeriod)
            {
                return Decision.Failed(
                    job.Status,
                    FailureReasons.ManifestMissing,
                    "The import job completed but its output manifest never appeared.");
            }

            _log.Warn(
                "Import manifest not written yet",
                new LogField("study_id", request.StudyId.Value),
                new LogField("import_job_id", request.ImportJobId),
                new LogField("reads", _options.ManifestReadAttempts));
            throw new TransientDependencyException(
                Dependency.S3,
                "ManifestNotYetWritten",
                "The import job's output manifest is not there yet.",
                throttled: false);
        }

        if (!TryParseManifestOf(job, text, out var manifest))
        {
            return Decision.Failed(job.Status, FailureReasons.ManifestUnreadable, "The import job's output manifest could not be read.");
        }

        var failures = await ReadFailureSummaryAsync(folder, manifest, cancellationToken);
        return Assess(manifest, failures);
    }

    private async Task<Decision> DecideFailedAsync(ImportJob job, CancellationToken cancellationToken)
    {
        var message = $"Import job failed: {JobFailureMessage.Classify(job.Message)}.";
        var folder = OutputFolder(job);

        // The manifest only adds counts here: one read, no waiting for it.
        var text = folder is null ? null : await _objects.ReadTextAsync(folder + ImportManifest.FileName, cancellationToken);
        if (folder is null || text is null || !TryParseManifestOf(job, text, out var manifest))
        {
            return Decision.Failed(job.Status, FailureReasons.ImportJobFailed, message);
        }

        var failures = await ReadFailureSummaryAsync(folder, manifest, cancellationToken);
        var ids = DistinctIds(manifest);
        return Decision.Failed(job.Status, FailureReasons.ImportJobFailed, message + " " + Details(manifest, ids.Count, failures)) with
        {
            ImageSetIds = ids,
            Counts = manifest.Counts,
        };
    }

    /// <summary>
    /// Success needs a clean manifest: no file with an error, at least one image set, all
    /// of them primary. When several problems coincide the reason follows this precedence:
    /// files_rejected, import_server_error, conflicting_image_set, no_image_sets.
    /// </summary>
    private static Decision Assess(ImportManifest manifest, FailureSummary? failures)
    {
        var counts = manifest.Counts;
        var ids = DistinctIds(manifest);
        var anyNonPrimary = manifest.ImageSets.Any(set => !set.IsPrimary);

        // Image sets counted but none listed: the ids cannot be recorded, so nothing can be trusted.
        if (ids.Count == 0 && counts.GeneratedImageSets > 0)
        {
            return Decision.Failed(ImportJobStatus.Completed, FailureReasons.ManifestUnreadable, "The import job's output manifest lists no image set but counts some.") with
            {
                Counts = counts,
            };
        }

        var reason = counts.CustomerErrors > 0 ? FailureReasons.FilesRejected
            : counts.ServerErrors > 0 ? FailureReasons.ImportServerError
            : anyNonPrimary ? FailureReasons.ConflictingImageSet
            : ids.Count == 0 ? FailureReasons.NoImageSets
            : null;

        if (reason is null)
        {
            return new Decision
            {
                Status = StudyStatus.ReadyForAnalysis,
                ImportStatus = ImportJobStatus.Completed,
                ImageSetId = manifest.ImageSets.First(set => set.IsPrimary).ImageSetId,
                ImageSetIds = ids,
                Counts = counts,
            };
        }

        return Decision.Failed(ImportJobStatus.Completed, reason, Details(manifest, ids.Count, failures)) with
        {
            ImageSetIds = ids,
            Counts = counts,
        };
    }

    private async Task<ImportPollOutcome> RecordAsync(ImportPollRequest request, Decision decision, bool eventMissing, CancellationToken cancellationToken)
    {
        var now = Timestamps.Now(_time);
        var update = new StudyUpdate
        {
            UpdatedAt = now,
            Status = decision.Status,
            ImportStatus = decision.ImportStatus,

            // The workflow may poll before the upload handler's own final write (which records
            // the job id) lands, or instead of it when that write failed: the id is ours to record too.
            ImportJobId = request.ImportJobId,
            PollCount = request.Attempt + 1,
            FailureReason = decision.FailureReason,
            FailureMessage = decision.FailureMessage,
            ImageSetId = decision.ImageSetId,
            ImageSetIds = decision.ImageSetIds,
            ImportCounts = decision.Counts,
            ReadyAt = decision.Status == StudyStatus.ReadyForAnalysis ? now : null,
        };

        if (await _studies.TryUpdateAsync(request.StudyId, update, StudyStatus.Monitorable, cancellationToken))
        {
            return Outcome(request) with
            {
                ImportStatus = decision.ImportStatus,
                Status = decision.Status,
                Done = decision.Status != StudyStatus.Importing,
                ImageSetId = decision.ImageSetId,
                ImageSetIds = decision.ImageSetIds ?? [],
                FailureReason = decision.FailureReason,

                // Only the poll whose write ends the study reports it: a repeated or losing
                // poll would count the same study twice.
                ImportEventMissing = eventMissing,
            };
        }

        // The study left the monitorable statuses since it was read (a concurrent or late
        // writer won, or the backstop ran): its record is the truth now.
        var current = await _studies.GetAsync(request.StudyId, cancellationToken);
        if (current is null)
        {
            return StudyMissing(request);
        }

        if (StudyStatus.IsTerminal(current.Status))
        {
            return FromRecord(request, current);
        }

        _log.Warn(
            "Study is not in a status the monitor may move",
            new LogField("study_id", request.StudyId.Value),
            new LogField("status", current.Status));
        return Outcome(request) with
        {
            ImportStatus = decision.ImportStatus,
            Status = current.Status,
            Done = false,
        };
    }

    private async Task<string?> ReadManifestAsync(string key, CancellationToken cancellationToken)
    {
        for (var read = 1; ; read++)
        {
            var text = await _objects.ReadTextAsync(key, cancellationToken);
            if (text is not null || read >= _options.ManifestReadAttempts)
            {
                return text;
            }

            await Task.Delay(_options.ManifestRetryDelay, _time, cancellationToken);
        }
    }

    private async Task<FailureSummary?> ReadFailureSummaryAsync(string folder, ImportManifest manifest, CancellationToken cancellationToken)
    {
        if (manifest.Counts.CustomerErrors + manifest.Counts.ServerErrors == 0)
        {
            return null;
        }

        var text = await _objects.ReadTextAsync(folder + FailureSummary.RelativeKey, cancellationToken);
        var summary = text is null ? null : FailureSummary.Parse(text);
        return summary is { Types.Count: > 0 } ? summary : null;
    }

    private string? OutputFolder(ImportJob job) =>
        job.OutputS3Uri is null
            ? null
            : ImportOutputLocation.ResolveFolderKey(job.OutputS3Uri, _objects.BucketName, job.DatastoreId, job.JobId);

    private static bool TryParseManifestOf(ImportJob job, string text, [NotNullWhen(true)] out ImportManifest? manifest) =>
        ImportManifest.TryParse(text, out manifest)
        && (manifest.JobId is null || string.Equals(manifest.JobId, job.JobId, StringComparison.Ordinal));

    private static List<string> DistinctIds(ImportManifest manifest) =>
        manifest.ImageSets.Select(set => set.ImageSetId).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>Counts and exception types only: never file names, messages or DICOM values.</summary>
    private static string Details(ImportManifest manifest, int imageSets, FailureSummary? failures)
    {
        var counts = manifest.Counts;
        var parts = new List<string>();
        if (counts.CustomerErrors > 0)
        {
            parts.Add($"{Files(counts.CustomerErrors)} rejected");
        }

        if (counts.ServerErrors > 0)
        {
            parts.Add($"{Files(counts.ServerErrors)} failed with a server error");
        }

        if (failures is not null)
        {
            parts.Add($"exception types: {failures.Describe()}");
        }

        var nonPrimary = manifest.ImageSets.Where(set => !set.IsPrimary).Select(set => set.ImageSetId).Distinct(StringComparer.Ordinal).Count();
        if (nonPrimary > 0)
        {
            parts.Add($"{nonPrimary} image set{(nonPrimary == 1 ? " is" : "s are")} not primary (conflict with an existing image set)");
        }

        if (imageSets == 0)
        {
            parts.Add("no image set generated");
        }

        parts.Add(string.Create(
            CultureInfo.InvariantCulture,
            $"{counts.Scanned} scanned, {counts.Imported} imported, {counts.GeneratedImageSets} image sets generated"));
        return string.Join("; ", parts) + ".";

        static string Files(int count) => string.Create(CultureInfo.InvariantCulture, $"{count} file{(count == 1 ? string.Empty : "s")}");
    }

    private static ImportPollOutcome Outcome(ImportPollRequest request) => new()
    {
        StudyId = request.StudyId,
        DatastoreId = request.DatastoreId,
        ImportJobId = request.ImportJobId,
        Attempt = request.Attempt + 1,
        ImportStatus = null,
        Status = StudyStatus.Importing,
        Done = false,
    };

    private ImportPollOutcome StudyMissing(ImportPollRequest request)
    {
        _log.Warn("Study not found", new LogField("study_id", request.StudyId.Value));
        return Outcome(request) with
        {
            Status = StudyStatus.ImportFailed,
            Done = true,
            FailureReason = FailureReasons.StudyNotFound,
        };
    }

    private static ImportPollOutcome FromRecord(ImportPollRequest request, Study study) => Outcome(request) with
    {
        ImportStatus = study.ImportStatus,
        Status = study.Status,
        Done = true,
        ImageSetId = study.ImageSetId,
        ImageSetIds = study.ImageSetIds ?? [],
        FailureReason = study.FailureReason,
    };

    /// <summary>What a poll will write, before the conditional write decides whether it may.</summary>
    private sealed record Decision
    {
        public required string Status { get; init; }

        public required string ImportStatus { get; init; }

        public string? FailureReason { get; init; }

        public string? FailureMessage { get; init; }

        public string? ImageSetId { get; init; }

        public IReadOnlyList<string>? ImageSetIds { get; init; }

        public ImportFileCounts? Counts { get; init; }

        public static Decision Running(string importStatus) => new()
        {
            Status = StudyStatus.Importing,
            ImportStatus = importStatus,
        };

        public static Decision Failed(string importStatus, string reason, string message) => new()
        {
            Status = StudyStatus.ImportFailed,
            ImportStatus = importStatus,
            FailureReason = reason,
            FailureMessage = message,
        };
    }
}
