namespace StrokeIngestion.Core.Domain;

/// <summary>
/// A study record as stored in the study table. Attribute names in the table are the
/// snake_case forms of these properties (<c>study_id</c>, <c>patient_id</c>, …).
/// Timestamps are ISO 8601 UTC with milliseconds (<c>2026-11-25T12:00:00.000Z</c>).
/// </summary>
public sealed record Study
{
    public required StudyId StudyId { get; init; }

    /// <summary>PHI: stored for the patient index, never logged.</summary>
    public required string PatientId { get; init; }

    public required string UploadTimestamp { get; init; }

    public required string StudyDescription { get; init; }

    public required string S3Bucket { get; init; }

    /// <summary>The object key, or the folder key ending in <c>/</c>, the request named.</summary>
    public required string S3Key { get; init; }

    /// <summary>Prefix the objects were copied to for this study's import (<c>imports/&lt;study_id&gt;/</c>).</summary>
    public required string ImportPrefix { get; init; }

    public required string DatastoreId { get; init; }

    public required string Status { get; init; }

    public required string ProcessingStage { get; init; }

    public required string Modality { get; init; }

    public required string StudyInstanceUid { get; init; }

    public required IReadOnlyList<string> SeriesInstanceUids { get; init; }

    public required int FileCount { get; init; }

    public required long TotalBytes { get; init; }

    /// <summary>SHA-256 of the canonical request: a retry with the same idempotency key must match it.</summary>
    public required string RequestFingerprint { get; init; }

    /// <summary>True when the caller accepted a DICOM PatientID that differs from <see cref="PatientId"/>.</summary>
    public bool PatientIdMismatchAccepted { get; init; }

    /// <summary>Caller identity from the authorizer (IAM user ARN or JWT subject); not PHI.</summary>
    public string? SubmittedBy { get; init; }

    /// <summary><c>urgent</c> or <c>routine</c> (<see cref="Admission.StudyPriorities"/>); absent on records older than admission, which count as urgent.</summary>
    public string? Priority { get; init; }

    /// <summary>When the study entered the import queue.</summary>
    public string? QueuedAt { get; init; }

    /// <summary>SHA-256 (hex) of the validated objects' keys and versions/ETags: the dispatcher copies only what the request checked.</summary>
    public string? SourceDigest { get; init; }

    public string? ImportJobId { get; init; }

    public string? ImportStatus { get; init; }

    public string? ExecutionArn { get; init; }

    public string? FailureReason { get; init; }

    public string? FailureMessage { get; init; }

    public string? UpdatedAt { get; init; }

    public int PollCount { get; init; }

    public string? ImageSetId { get; init; }

    public IReadOnlyList<string>? ImageSetIds { get; init; }

    public ImportFileCounts? ImportCounts { get; init; }

    public string? ReadyAt { get; init; }

    /// <summary>
    /// Task token of the workflow state waiting for the import-end event (a credential to resume
    /// that execution: never logged).
    /// </summary>
    public string? WorkflowTaskToken { get; init; }

    /// <summary>The <c>jobStatus</c> of HealthImaging's import-end event, once one has arrived. A wake-up call only: the monitor decides the status.</summary>
    public string? ImportEventStatus { get; init; }

    /// <summary>When the import-end event was recorded.</summary>
    public string? ImportEventAt { get; init; }
}
