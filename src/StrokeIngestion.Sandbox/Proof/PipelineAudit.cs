using System.Text.Json.Nodes;
using Amazon.DynamoDBv2.Model;
using StrokeIngestion.Core.Aws.DynamoDb;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Sandbox.HealthImaging;
using StrokeIngestion.Sandbox.Host;
using StrokeIngestion.Sandbox.StepFunctions;

namespace StrokeIngestion.Sandbox.Proof;

/// <summary>What the audit found after a proof run. Lists hold study ids and a short reason, never patient data.</summary>
internal sealed record PipelineFindings
{
    public required int Accepted { get; init; }

    /// <summary>Final status of every accepted study (NO_RECORD when the table has none).</summary>
    public required IReadOnlyDictionary<string, int> AcceptedByStatus { get; init; }

    /// <summary>failure_reason of accepted studies that did not become READY_FOR_ANALYSIS.</summary>
    public required IReadOnlyDictionary<string, int> FailureReasons { get; init; }

    /// <summary>Accepted, but no record or not terminal at the end.</summary>
    public required IReadOnlyList<string> Lost { get; init; }

    /// <summary>Terminal, but the record, the image sets or the workflow disagree with what was uploaded.</summary>
    public required IReadOnlyList<string> Inconsistent { get; init; }

    /// <summary>Idempotency keys whose answers named more than one study id.</summary>
    public required int KeysWithSeveralStudies { get; init; }

    /// <summary>Uploaded objects (file_key) with more than one study record.</summary>
    public required int ObjectsWithSeveralRecords { get; init; }

    /// <summary>Client tokens with more than one import job (the emulator's count).</summary>
    public required int TokensWithSeveralJobs { get; init; }

    /// <summary>Import jobs beyond the first per input prefix (the emulator's count).</summary>
    public required int DuplicateImports { get; init; }

    /// <summary>Import jobs whose client token names no study record.</summary>
    public required int JobsWithoutRecord { get; init; }

    /// <summary>Studies with more than one execution of the processing state machine.</summary>
    public required int StudiesWithSeveralExecutions { get; init; }

    /// <summary>Executions whose name names no study record.</summary>
    public required int ExecutionsWithoutRecord { get; init; }

    public required long ExecutionsStarted { get; init; }

    public required int ImportJobsCreated { get; init; }

    /// <summary>Records with status IMPORTING at the end (whoever wrote them).</summary>
    public required int ImportingAtEnd { get; init; }

    /// <summary>Of those, records with no running execution or no import job behind them.</summary>
    public required int ImportingWithNothingBehind { get; init; }

    /// <summary>Records of uploads that were never accepted, by status (they claim nothing, but are shown).</summary>
    public required IReadOnlyDictionary<string, int> UnacceptedRecordsByStatus { get; init; }

    /// <summary>Executions by final status and error (<c>FAILED MonitorFailed</c>).</summary>
    public required IReadOnlyDictionary<string, int> ExecutionOutcomes { get; init; }

    /// <summary>
    /// Studies that ended IMPORT_FAILED or IMPORT_TIMED_OUT although their import job COMPLETED:
    /// truthful (the monitoring failed, not the import), but HealthImaging holds their image sets.
    /// </summary>
    public required IReadOnlyList<string> FailedButImported { get; init; }

    /// <summary>READY_FOR_ANALYSIS studies for which no "Study Ready For Analysis" event was put (Phase 2 would never hear of them).</summary>
    public required IReadOnlyList<string> ReadyWithoutEvent { get; init; }

    /// <summary>Studies with more than one "Study Ready For Analysis" event.</summary>
    public required int StudiesWithSeveralReadyEvents { get; init; }

    /// <summary>Duplicates of every kind together.</summary>
    public int Duplicates =>
        KeysWithSeveralStudies + ObjectsWithSeveralRecords + TokensWithSeveralJobs + DuplicateImports
        + StudiesWithSeveralExecutions + StudiesWithSeveralReadyEvents;
}

/// <summary>
/// Reads back everything the sandbox holds after a run — the study table (directly, not
/// through a fault proxy), the executions, the import jobs, image sets and published events —
/// and checks it against what the clients uploaded and were told.
/// </summary>
internal static class PipelineAudit
{
    private const string StudyReadyDetailType = "Study Ready For Analysis";
    private const string NoRecord = "NO_RECORD";

    /// <summary>
    /// How many job slots the admission ledger still holds once every study has ended: none
    /// should be, once the sweep has run (a lost import-ended event or a crashed dispatcher must
    /// not leak one). Polls for up to <paramref name="wait"/> (a few sweep periods).
    /// </summary>
    public static async Task<int> SlotsHeldAsync(SandboxHost host, TimeSpan wait, CancellationToken cancellationToken)
    {
        var ledger = Core.Aws.SdkClients.CreateAdmissionLedgerStore(host.DynamoDb, host.TableName);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var held = (await ledger.ReadAsync(cancellationToken))?.Ledger.SlotHolders.Count ?? 0;
            if (held == 0 || clock.Elapsed >= wait)
            {
                return held;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }
    }

    public static async Task<IReadOnlyList<Study>> ScanStudiesAsync(SandboxHost host, CancellationToken cancellationToken)
    {
        var studies = new List<Study>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await host.DynamoDb.ScanAsync(
                new ScanRequest { TableName = host.TableName, ExclusiveStartKey = start, ConsistentRead = true },
                cancellationToken);
            // The table also holds the admission ledger, which is no study.
            studies.AddRange((page.Items ?? [])
                .Where(item => item.TryGetValue(StudyItem.StudyId, out var id) && id.S != DynamoDbAdmissionLedgerStore.LedgerKey)
                .Select(StudyItem.FromItem));
            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);

        return studies;
    }

    /// <summary>True when every accepted study is terminal and no execution is running.</summary>
    public static async Task<bool> IsSettledAsync(SandboxHost host, IReadOnlyList<UploadResult> results, CancellationToken cancellationToken)
    {
        if (host.StepFunctions.Executions().Any(e => e.IsRunning))
        {
            return false;
        }

        var byId = (await ScanStudiesAsync(host, cancellationToken)).ToDictionary(s => s.StudyId.Value, StringComparer.Ordinal);
        return results.Where(r => r.Accepted).All(r => r.StudyId is { } id && byId.TryGetValue(id, out var study) && StudyStatus.IsTerminal(study.Status));
    }

    public static async Task<PipelineFindings> AuditAsync(SandboxHost host, IReadOnlyList<UploadResult> results, CancellationToken cancellationToken)
    {
        var records = await ScanStudiesAsync(host, cancellationToken);
        var byId = records.ToDictionary(s => s.StudyId.Value, StringComparer.Ordinal);
        var executions = host.StepFunctions.Executions()
            .Where(e => e.StateMachineArn == host.StateMachineArn)
            .ToList();
        var executionsByName = executions.GroupBy(e => e.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var jobs = host.HealthImaging.Jobs();
        var jobsById = jobs.ToDictionary(j => j.JobId, StringComparer.Ordinal);
        var imageSets = host.HealthImaging.ImageSets.ToDictionary(s => s.ImageSetId, StringComparer.Ordinal);
        var readyEventDetails = host.StepFunctions.Events.Snapshot()
            .Where(e => e.DetailType == StudyReadyDetailType)
            .Select(e => JsonNode.Parse(e.Detail))
            .GroupBy(d => d?["study_id"]?.GetValue<string>() ?? string.Empty, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var readyEvents = readyEventDetails.ToDictionary(p => p.Key, p => p.Value.Count, StringComparer.Ordinal);

        var accepted = results.Where(r => r.Accepted).ToList();
        var acceptedIds = accepted.Select(r => r.StudyId ?? string.Empty).ToHashSet(StringComparer.Ordinal);
        var lost = new List<string>();
        var inconsistent = new List<string>();
        var readyWithoutEvent = new List<string>();
        var failedButImported = new List<string>();
        var byStatus = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var reasons = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var result in accepted)
        {
            var id = result.StudyId ?? string.Empty;
            if (!byId.TryGetValue(id, out var study))
            {
                Increment(byStatus, NoRecord);
                lost.Add($"{id}: accepted, no record");
                continue;
            }

            Increment(byStatus, study.Status);
            if (!StudyStatus.IsTerminal(study.Status))
            {
                lost.Add($"{id}: accepted, still {study.Status}");
                continue;
            }

            if (study.Status != StudyStatus.ReadyForAnalysis)
            {
                Increment(reasons, study.FailureReason ?? "(none)");
                if (study.ImportJobId is { } jobId && jobsById.TryGetValue(jobId, out var job) && job.Status == ImportJobStatuses.Completed)
                {
                    failedButImported.Add($"{id}: {study.Status} {study.FailureReason}, import job COMPLETED");
                }
            }

            var execution = executionsByName.GetValueOrDefault(WorkflowExecutionName.For(study.StudyId))?.FirstOrDefault();
            inconsistent.AddRange(Check(result.Study, study, execution, jobsById, imageSets).Select(problem => $"{id}: {problem}"));
            if (study.Status == StudyStatus.ReadyForAnalysis && !readyEvents.ContainsKey(id))
            {
                readyWithoutEvent.Add($"{id}: workflow {execution?.StatusText} {execution?.Error}".TrimEnd());
            }

            // Phase 2 analyses the image sets the event names: they must be the ones recorded.
            foreach (var detail in readyEventDetails.GetValueOrDefault(id) ?? [])
            {
                var announced = detail?["image_set_ids"]?.AsArray().Select(n => n?.GetValue<string>() ?? string.Empty) ?? [];
                if (!announced.SequenceEqual(study.ImageSetIds ?? [], StringComparer.Ordinal)
                    || detail?["image_set_id"]?.GetValue<string>() != study.ImageSetId)
                {
                    inconsistent.Add($"{id}: Study Ready event's image sets differ from the record");
                }
            }
        }

        var importing = records.Where(s => s.Status == StudyStatus.Importing).ToList();
        var uploadKeys = results.Select(r => r.Study.FileKey).ToHashSet(StringComparer.Ordinal);
        return new PipelineFindings
        {
            Accepted = accepted.Count,
            AcceptedByStatus = byStatus,
            FailureReasons = reasons,
            Lost = lost,
            Inconsistent = inconsistent,
            KeysWithSeveralStudies = results.Count(r => r.StudyIds.Count > 1),
            ObjectsWithSeveralRecords = records.Where(s => uploadKeys.Contains(s.S3Key)).GroupBy(s => s.S3Key, StringComparer.Ordinal).Count(g => g.Count() > 1),
            TokensWithSeveralJobs = jobs.GroupBy(j => j.ClientToken, StringComparer.Ordinal).Count(g => g.Count() > 1),
            DuplicateImports = host.HealthImaging.Counters.DuplicateImports,
            JobsWithoutRecord = jobs.Count(j => !byId.ContainsKey(j.ClientToken)),
            StudiesWithSeveralExecutions = executionsByName.Count(p => p.Value.Count > 1),
            ExecutionsWithoutRecord = executions.Count(e => !WorkflowExecutionName.TryParseStudyId(e.Name, out var sid) || !byId.ContainsKey(sid.Value)),
            ExecutionsStarted = host.StepFunctions.Counters.ExecutionsStarted,
            ImportJobsCreated = jobs.Count,
            ImportingAtEnd = importing.Count,
            ImportingWithNothingBehind = importing.Count(s =>
                !(executionsByName.GetValueOrDefault(WorkflowExecutionName.For(s.StudyId))?.Any(e => e.IsRunning) ?? false)
                || s.ImportJobId is null
                || !jobsById.ContainsKey(s.ImportJobId)),
            UnacceptedRecordsByStatus = new SortedDictionary<string, int>(
                records.Where(s => uploadKeys.Contains(s.S3Key) && !acceptedIds.Contains(s.StudyId.Value))
                    .GroupBy(s => s.Status, StringComparer.Ordinal)
                    .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
                StringComparer.Ordinal),
            ExecutionOutcomes = new SortedDictionary<string, int>(
                executions.GroupBy(e => $"{e.StatusText} {e.Error}".TrimEnd(), StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal),
                StringComparer.Ordinal),
            ReadyWithoutEvent = readyWithoutEvent,
            FailedButImported = failedButImported,
            StudiesWithSeveralReadyEvents = readyEvents.Count(p => p.Value > 1),
        };
    }

    /// <summary>What "consistent with its input" means for one terminal study.</summary>
    private static IEnumerable<string> Check(
        ProofStudy upload,
        Study study,
        ExecutionSnapshot? execution,
        Dictionary<string, ImportJobSnapshot> jobs,
        Dictionary<string, ImageSetSnapshot> imageSets)
    {
        if (study.S3Key != upload.FileKey)
        {
            yield return "s3_key is not the uploaded file_key";
        }

        if (study.FileCount != upload.FileCount)
        {
            yield return $"file_count {study.FileCount}, {upload.FileCount} files uploaded";
        }

        if (study.StudyInstanceUid != upload.StudyInstanceUid
            || !study.SeriesInstanceUids.Order(StringComparer.Ordinal).SequenceEqual(upload.SeriesInstanceUids.Order(StringComparer.Ordinal)))
        {
            yield return "study/series UIDs differ from the uploaded files'";
        }

        if (execution is null)
        {
            yield return "no workflow execution";
        }
        else if (execution.IsRunning)
        {
            yield return "terminal while its workflow still runs";
        }

        var job = study.ImportJobId is { } jobId ? jobs.GetValueOrDefault(jobId) : null;
        if (job is null)
        {
            yield return "no import job behind import_job_id";
        }

        if (study.Status == StudyStatus.ReadyForAnalysis)
        {
            if (string.IsNullOrEmpty(study.ImageSetId) || study.ImageSetIds is null || !study.ImageSetIds.Contains(study.ImageSetId))
            {
                yield return "READY_FOR_ANALYSIS without image_set_id among image_set_ids";
                yield break;
            }

            var held = study.ImageSetIds
                .SelectMany(id => imageSets.TryGetValue(id, out var set) ? set.SopInstanceUids : ["(missing image set)"])
                .Order(StringComparer.Ordinal);
            if (!held.SequenceEqual(upload.SopInstanceUids.Order(StringComparer.Ordinal)))
            {
                yield return "its image sets do not hold exactly the uploaded instances";
            }

            if (study.ReadyAt is null)
            {
                yield return "READY_FOR_ANALYSIS without ready_at";
            }

            if (job is not null && job.Status != ImportJobStatuses.Completed)
            {
                yield return $"READY_FOR_ANALYSIS but the import job is {job.Status}";
            }
        }
        else
        {
            if (string.IsNullOrEmpty(study.FailureReason))
            {
                yield return $"{study.Status} without failure_reason";
            }

            if (execution is { Status: ExecutionStatus.Succeeded })
            {
                yield return $"{study.Status} but its workflow SUCCEEDED";
            }
        }
    }

    private static void Increment(SortedDictionary<string, int> counts, string key) =>
        counts[key] = counts.GetValueOrDefault(key) + 1;
}
