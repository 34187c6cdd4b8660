using System.Security.Cryptography;
using System.Text;
using StrokeIngestion.Core.Admission;
using StrokeIngestion.Core.Dicom;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Errors;
using StrokeIngestion.Core.Ports;
using StrokeIngestion.Core.Resilience;
using StrokeIngestion.Core.Settings;

namespace StrokeIngestion.Core.Upload;

/// <summary>
/// The upload use case: validate the object(s), isolate them in an import prefix of the
/// study's own, start the HealthImaging import, record the study and start monitoring.
/// Every step is idempotent (study id derived from the request, deterministic client token,
/// conditional writes, fixed execution name), so a retried request completes whatever an
/// earlier attempt left undone and never creates a second study, import or execution.
/// </summary>
public sealed class UploadService
{
    /// <summary>HealthImaging's per-job limits.</summary>
    public const int MaxFilesPerStudy = 5000;

    public const long MaxBytesPerStudy = 10L * 1024 * 1024 * 1024;

    /// <summary>A single CopyObject copies at most 5 GiB.</summary>
    public const long MaxBytesPerObject = 5L * 1024 * 1024 * 1024;

    /// <summary>Header checks run this many S3 reads at once: 5,000 files at 30 ms each answer in about 5 s.</summary>
    private const int Parallelism = ImportLauncher.Parallelism;

    /// <summary>Retry-After when the backlog cannot be read (the queue itself is what failed).</summary>
    private static readonly TimeSpan FallbackRetryAfter = TimeSpan.FromSeconds(5);

    private static readonly string[] StartableStatuses = [StudyStatus.Received, StudyStatus.UploadFailed];

    private readonly IObjectStore _objects;
    private readonly IStudyStore _studies;
    private readonly IImportService _imports;
    private readonly ImportLauncher _launcher;
    private readonly ImportQueueing? _queueing;
    private readonly UploadSettings _settings;
    private readonly TimeProvider _time;
    private readonly RetryPolicy _retry;
    private readonly RetryPolicy _importRetry;

    /// <param name="retry">For S3, DynamoDB and Step Functions calls.</param>
    /// <param name="importRetry">For StartDICOMImportJob, which throttles at about 1 TPS and deserves a longer backoff.</param>
    /// <param name="queueing">The import queue and admission ledger: when set, a valid study is recorded QUEUED and
    /// sent to the queue (the dispatcher starts it); when null, the import starts inside the request.</param>
    public UploadService(
        IObjectStore objects,
        IStudyStore studies,
        IImportService imports,
        IWorkflowStarter workflows,
        UploadSettings settings,
        TimeProvider time,
        RetryPolicy retry,
        RetryPolicy importRetry,
        ImportQueueing? queueing = null)
    {
        _objects = objects;
        _studies = studies;
        _imports = imports;
        _launcher = new ImportLauncher(objects, studies, workflows, settings, time, retry);
        _queueing = queueing;
        _settings = settings;
        _time = time;
        _retry = retry;
        _importRetry = importRetry;
    }

    /// <summary>
    /// Handles one validated request. Expected refusals come back as <see cref="UploadOutcome.Error"/>;
    /// dependency failures are translated to 502/503 errors after the study (if written) says so.
    /// </summary>
    public async Task<UploadOutcome> StartAsync(UploadCommand command, CancellationToken cancellationToken)
    {
        try
        {
            return await StartCoreAsync(command, cancellationToken);
        }
        catch (DependencyException ex)
        {
            return UploadOutcome.Rejected(ToUploadError(ex, await RetryAfterAsync(cancellationToken)));
        }
    }

    private async Task<UploadOutcome> StartCoreAsync(UploadCommand command, CancellationToken cancellationToken)
    {
        var fingerprint = command.Fingerprint();
        StudyId? id = null;
        Study? existing = null;
        if (command.IdempotencyKey is { } key)
        {
            // A retry with the same key needs no S3 work when the first attempt got through.
            id = StudyId.FromScope($"key\n{command.CallerIdentity}\n{key}");
            existing = await _retry.RunAsync(ct => _studies.GetAsync(id, ct), cancellationToken);
            if (existing is not null && existing.RequestFingerprint != fingerprint)
            {
                return UploadOutcome.Rejected(UploadErrors.IdempotencyKeyReused());
            }

            if (existing is not null && IsStarted(existing))
            {
                return UploadOutcome.Accepted(existing);
            }

            if (existing is not null && _queueing is not null && existing.Status == StudyStatus.Queued)
            {
                return await QueueAsync(existing, _queueing, duplicate: false, cancellationToken);
            }
        }

        var (sources, resolveError) = await ResolveObjectsAsync(command, cancellationToken);
        if (resolveError is not null)
        {
            return UploadOutcome.Rejected(resolveError);
        }

        var (summary, inspectError) = await InspectAsync(command, sources, cancellationToken);
        if (summary is null)
        {
            return UploadOutcome.Rejected(inspectError ?? UploadErrors.MalformedDicom("unreadable"));
        }

        var duplicate = false;
        if (id is null)
        {
            id = StudyId.FromScope(ObjectScope(command, sources));
            existing = await _retry.RunAsync(ct => _studies.GetAsync(id, ct), cancellationToken);
            duplicate = existing is not null;
            if (existing is not null && IsStarted(existing))
            {
                return UploadOutcome.Accepted(existing, duplicate: true);
            }
        }

        if (existing is null)
        {
            var study = NewStudy(id, command, fingerprint, sources, summary);
            if (_queueing is not null)
            {
                study = study with { Status = StudyStatus.Queued, QueuedAt = study.UploadTimestamp };
            }

            if (await _retry.RunAsync(ct => _studies.TryCreateAsync(study, ct), cancellationToken))
            {
                existing = study;
            }
            else
            {
                // A concurrent request for the same study won the conditional put — or our own put
                // landed but its answer was lost and the retry found it (then it is not a duplicate).
                existing = await _retry.RunAsync(ct => _studies.GetAsync(id, ct), cancellationToken)
                    ?? throw new DependencyException(Dependency.DynamoDb, "InconsistentRead", "The study existed for the conditional put but not for the read that followed.");
                var ours = existing.UploadTimestamp == study.UploadTimestamp && existing.RequestFingerprint == study.RequestFingerprint;
                duplicate = command.IdempotencyKey is null && !ours;
                if (IsStarted(existing))
                {
                    return UploadOutcome.Accepted(existing, duplicate);
                }
            }
        }

        if (_queueing is null)
        {
            return await CompleteAsync(existing, sources, duplicate, cancellationToken);
        }

        return await TryStartAtOnceAsync(existing, sources, _queueing, duplicate, cancellationToken)
            ?? await QueueAsync(existing, _queueing, duplicate, cancellationToken);
    }

    /// <summary>
    /// Starts the import inside the request when capacity is free (nothing of the study's
    /// priority or higher queued, a start token and a job slot in the ledger, a small study):
    /// the seed's 202 with <c>import_job_id</c>. Null when it may not, or when any step fails
    /// (throttled, refused, down): the study is then queued like any other, never refused for
    /// it, and the slot goes back unless a job was started (the dispatcher finds that job by
    /// its client token).
    /// </summary>
    private async Task<UploadOutcome?> TryStartAtOnceAsync(Study study, IReadOnlyList<StoredObject> sources, ImportQueueing queueing, bool duplicate, CancellationToken cancellationToken)
    {
        var priority = PriorityOf(study);
        if (!StartableStatuses.Contains(study.Status) && study.Status != StudyStatus.Queued)
        {
            return null;
        }

        if (!await queueing.MayStartAtOnceAsync(priority, sources.Count, cancellationToken))
        {
            return null;
        }

        AdmissionDecision decision;
        try
        {
            decision = await queueing.Admission.TryAdmitAsync(study.StudyId, priority, cancellationToken);
        }
        catch (DependencyException)
        {
            return null;
        }

        queueing.Observe(decision.Ledger);
        if (!decision.Admitted)
        {
            return null;
        }

        ImportJob? job = null;
        try
        {
            await _launcher.CopyAsync(study, sources, resume: false, cancellationToken);

            // One attempt: a throttled start is the queue's to retry, not the request's.
            job = await _imports.StartImportAsync(_launcher.ImportRequestFor(study), cancellationToken);
            var execution = await _launcher.StartWorkflowAsync(study, job, cancellationToken);
            return UploadOutcome.Accepted(await _launcher.MarkImportingAsync(study, job, execution, ImportDispatchService.StartableStatuses, cancellationToken), duplicate);
        }
        catch (DependencyException)
        {
            if (job is null)
            {
                try
                {
                    await queueing.Admission.AbandonAsync(study.StudyId, CancellationToken.None);
                }
                catch (DependencyException)
                {
                    // The sweep frees a slot whose holder never got a job.
                }
            }

            return null;
        }
    }

    /// <summary>
    /// Sends the study to its priority's queue and answers with its place in line. A study left
    /// RECEIVED or UPLOAD_FAILED by an inline attempt moves to QUEUED first. Sending again for a
    /// study already queued is harmless: the dispatcher starts a study once.
    /// </summary>
    private async Task<UploadOutcome> QueueAsync(Study study, ImportQueueing queueing, bool duplicate, CancellationToken cancellationToken)
    {
        var priority = PriorityOf(study);
        if (StartableStatuses.Contains(study.Status))
        {
            var update = new StudyUpdate { UpdatedAt = Now(), Status = StudyStatus.Queued };
            if (await _retry.RunAsync(ct => _studies.TryUpdateAsync(study.StudyId, update, StartableStatuses, ct), cancellationToken))
            {
                study = study with { Status = StudyStatus.Queued, UpdatedAt = update.UpdatedAt, FailureReason = null, FailureMessage = null };
            }
        }

        await _retry.RunAsync(ct => queueing.EnqueueAsync(study.StudyId, priority, ct), cancellationToken);
        return UploadOutcome.Accepted(study, duplicate, await queueing.TryEstimateAsync(priority, _time.GetUtcNow(), cancellationToken));
    }

    /// <summary>Retry-After for a 503: from the backlog when queueing and it can be read, else a fixed pause.</summary>
    private Task<TimeSpan> RetryAfterAsync(CancellationToken cancellationToken) =>
        _queueing is null
            ? Task.FromResult(FallbackRetryAfter)
            : _queueing.RetryAfterAsync(_time.GetUtcNow(), FallbackRetryAfter, cancellationToken);

    private static StudyPriority PriorityOf(Study study) =>
        StudyPriorities.TryParse(study.Priority, out var priority) ? priority : StudyPriority.Urgent;

    /// <summary>Copies, starts the import and the workflow, then marks the study IMPORTING.</summary>
    private async Task<UploadOutcome> CompleteAsync(Study study, IReadOnlyList<StoredObject> sources, bool duplicate, CancellationToken cancellationToken)
    {
        var step = "copy_failed";
        ImportJob? job = null;
        try
        {
            await _launcher.CopyAsync(study, sources, resume: false, cancellationToken);

            step = "import_start_failed";
            var request = _launcher.ImportRequestFor(study);
            job = await _importRetry.RunAsync(ct => _imports.StartImportAsync(request, ct), cancellationToken);

            step = "workflow_start_failed";
            var execution = await _launcher.StartWorkflowAsync(study, job, cancellationToken);

            // Past this point the workflow runs and owns the study: a failed final write must
            // not mark it UPLOAD_FAILED (the monitor moves RECEIVED studies forward too).
            step = string.Empty;
            // QUEUED too: a study queued while the queue path was configured, then retried inline.
            return UploadOutcome.Accepted(await _launcher.MarkImportingAsync(study, job, execution, ImportDispatchService.StartableStatuses, cancellationToken), duplicate);
        }
        catch (DependencyException ex) when (step.Length > 0)
        {
            await MarkUploadFailedAsync(study.StudyId, step, ex, job);
            throw;
        }
    }

    private async Task MarkUploadFailedAsync(StudyId id, string reason, DependencyException cause, ImportJob? job)
    {
        var update = new StudyUpdate
        {
            UpdatedAt = Now(),
            Status = StudyStatus.UploadFailed,
            FailureReason = reason,
            FailureMessage = $"{cause.Dependency} answered {cause.ErrorCode}; retry the request with the same Idempotency-Key to resume.",
            ImportJobId = job?.JobId,
            ImportStatus = job?.Status,
        };
        try
        {
            // Not cancellable: the record must say what happened even if the caller gave up.
            await _studies.TryUpdateAsync(id, update, [StudyStatus.Received], CancellationToken.None);
        }
        catch (DependencyException)
        {
            // The study stays RECEIVED, which claims nothing; a retry resumes it.
        }
    }

    private async Task<(IReadOnlyList<StoredObject> Sources, UploadError? Error)> ResolveObjectsAsync(UploadCommand command, CancellationToken cancellationToken)
    {
        if (!command.IsFolder)
        {
            var single = await _retry.RunAsync(ct => _objects.GetInfoAsync(command.FileKey, ct), cancellationToken);
            if (single is null)
            {
                return ([], UploadErrors.ObjectNotFound(folder: false));
            }

            return ([single], CheckSizes([single]));
        }

        var listed = await _retry.RunAsync(ct => _objects.ListAsync(command.FileKey, MaxFilesPerStudy + 1, ct), cancellationToken);
        if (listed.Count == 0)
        {
            return ([], UploadErrors.ObjectNotFound(folder: true));
        }

        if (listed.Count > MaxFilesPerStudy)
        {
            return ([], UploadErrors.TooManyFiles(MaxFilesPerStudy));
        }

        return (listed, CheckSizes(listed));
    }

    private static UploadError? CheckSizes(IReadOnlyList<StoredObject> sources)
    {
        long total = 0;
        foreach (var source in sources)
        {
            if (source.Size == 0)
            {
                return UploadErrors.EmptyObject();
            }

            if (source.Size > MaxBytesPerObject)
            {
                return UploadErrors.ObjectTooLarge(MaxBytesPerObject);
            }

            total += source.Size;
        }

        return total > MaxBytesPerStudy ? UploadErrors.StudyTooLarge(MaxBytesPerStudy) : null;
    }

    private async Task<(HeaderSummary? Summary, UploadError? Error)> InspectAsync(UploadCommand command, IReadOnlyList<StoredObject> sources, CancellationToken cancellationToken)
    {
        var headers = new DicomHeader?[sources.Count];
        var errors = new UploadError?[sources.Count];
        await Parallel.ForAsync(
            0,
            sources.Count,
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
            async (index, ct) =>
            {
                var (header, error) = await DicomObjectInspector.InspectAsync(_objects, sources[index], _retry, ct);
                headers[index] = header;
                errors[index] = error ?? CheckHeader(header);
            });

        // Report the first problem in key order so that the answer is deterministic.
        if (Array.Find(errors, e => e is not null) is { } firstError)
        {
            return (null, firstError);
        }

        var valid = headers.OfType<DicomHeader>().ToList();
        var studyUid = valid[0].StudyInstanceUid ?? string.Empty;
        if (valid.Any(h => h.StudyInstanceUid != studyUid))
        {
            return (null, UploadErrors.MixedStudies());
        }

        // Study-wide before request-wide: two patients in one folder are refused even with the
        // override, and the answer must not send the client to an override that cannot help.
        if (StudyPatient.FindConflict(valid) is { } conflict)
        {
            return (null, conflict);
        }

        // The files agree on one PatientID (padding already removed, PS3.5 §6.2); it either is
        // the request's patient_id or the client accepted the difference.
        var mismatch = !string.Equals(valid[0].PatientId, command.PatientId, StringComparison.Ordinal);
        if (mismatch && !command.AcceptPatientIdMismatch)
        {
            return (null, UploadErrors.PatientIdMismatch());
        }

        var series = valid.Select(h => h.SeriesInstanceUid ?? string.Empty).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return (new HeaderSummary(valid[0].Modality ?? string.Empty, studyUid, series, mismatch), null);
    }

    private UploadError? CheckHeader(DicomHeader? header)
    {
        if (header is null)
        {
            return UploadErrors.MalformedDicom("unreadable");
        }

        if (!TransferSyntaxes.IsSupportedByHealthImaging(header.TransferSyntaxUid))
        {
            return UploadErrors.UnsupportedTransferSyntax();
        }

        if (string.IsNullOrEmpty(header.StudyInstanceUid) || string.IsNullOrEmpty(header.SeriesInstanceUid) || string.IsNullOrEmpty(header.SopInstanceUid))
        {
            return UploadErrors.MissingDicomIdentifiers();
        }

        return _settings.AllowedModalities.Contains(header.Modality ?? string.Empty)
            ? null
            : UploadErrors.UnsupportedModality(_settings.AllowedModalities.Order(StringComparer.Ordinal));
    }

    private Study NewStudy(StudyId id, UploadCommand command, string fingerprint, IReadOnlyList<StoredObject> sources, HeaderSummary summary)
    {
        var now = Now();
        return new Study
        {
            StudyId = id,
            PatientId = command.PatientId,
            UploadTimestamp = now,
            StudyDescription = command.StudyDescription,
            S3Bucket = _settings.UploadBucketName,
            S3Key = command.FileKey,
            ImportPrefix = $"{_settings.ImportInputPrefix}{id.Value}/",
            DatastoreId = _settings.DatastoreId,
            Status = StudyStatus.Received,
            ProcessingStage = "ingestion",
            Modality = summary.Modality,
            StudyInstanceUid = summary.StudyInstanceUid,
            SeriesInstanceUids = summary.SeriesInstanceUids,
            FileCount = sources.Count,
            TotalBytes = sources.Sum(s => s.Size),
            RequestFingerprint = fingerprint,
            PatientIdMismatchAccepted = summary.PatientIdMismatch,
            SubmittedBy = command.CallerIdentity,
            UpdatedAt = now,
            Priority = command.Priority.ToWire(),
            SourceDigest = SourceDigest(sources),
        };
    }

    /// <summary>Names one logical upload when the client sent no Idempotency-Key: these exact object versions for this patient.</summary>
    private string ObjectScope(UploadCommand command, IReadOnlyList<StoredObject> sources)
    {
        var scope = new StringBuilder()
            .Append("object\n").Append(_settings.UploadBucketName).Append('\n')
            .Append(command.FileKey).Append('\n')
            .Append(command.PatientId).Append('\n');
        foreach (var source in sources)
        {
            scope.Append(source.Key).Append('\n').Append(source.VersionId ?? source.ETag).Append('\n');
        }

        // Hashed once more so the scope string (patient id, keys) is never kept around.
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(scope.ToString())));
    }

    /// <summary>What the dispatcher re-checks before copying: the same keys at the same versions (or ETags) as validated.</summary>
    public static string SourceDigest(IReadOnlyList<StoredObject> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        var text = new StringBuilder();
        foreach (var source in sources)
        {
            text.Append(source.Key).Append('\n').Append(source.VersionId ?? source.ETag).Append('\n').Append(source.Size).Append('\n');
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private static bool IsStarted(Study study) =>
        study.Status == StudyStatus.Importing || StudyStatus.IsTerminal(study.Status);

    private static UploadError ToUploadError(DependencyException ex, TimeSpan retryAfter) => ex switch
    {
        TransientDependencyException { Throttled: true } => UploadErrors.Throttled(retryAfter),
        TransientDependencyException => UploadErrors.Unavailable(retryAfter),
        _ => UploadErrors.DependencyFailed(),
    };

    private string Now() => Timestamps.Now(_time);

    private sealed record HeaderSummary(string Modality, string StudyInstanceUid, IReadOnlyList<string> SeriesInstanceUids, bool PatientIdMismatch);
}
