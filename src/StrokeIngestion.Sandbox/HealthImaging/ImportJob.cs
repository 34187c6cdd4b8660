namespace StrokeIngestion.Sandbox.HealthImaging;

/// <summary>The parameters of StartDICOMImportJob that make two requests "the same".</summary>
internal sealed record ImportJobParameters(
    string DatastoreId,
    string? JobName,
    string ClientToken,
    string DataAccessRoleArn,
    string InputS3Uri,
    string OutputS3Uri,
    string? InputOwnerAccountId);

/// <summary>An import job as a test or report sees it (<see cref="HealthImagingEmulator.Jobs"/>).</summary>
/// <param name="ForcedFailure">Failed on purpose by <see cref="HealthImagingFaults.FailNextJobs"/>.</param>
internal sealed record ImportJobSnapshot(string JobId, string ClientToken, string InputS3Uri, string Status, bool ForcedFailure);

/// <summary>How a job ended, set once when its files have been processed.</summary>
internal sealed record ImportJobOutcome(string Status, string? Message, JobOutputSummary? Summary);

/// <summary>
/// One import job. Its status is a function of the emulator's clock until it ends; from then
/// on it is the <see cref="Outcome"/> of processing.
/// </summary>
internal sealed class ImportJob
{
    public required long Sequence { get; init; }

    public required string JobId { get; init; }

    public required ImportJobParameters Parameters { get; init; }

    public required DateTimeOffset SubmittedAt { get; init; }

    /// <summary>Durations captured at submission, so later option changes don't move a running job.</summary>
    public required TimeSpan SubmittedFor { get; init; }

    public required TimeSpan InProgressFor { get; init; }

    /// <summary>Set by the "fail the next N jobs" knob.</summary>
    public required bool ForcedFailure { get; init; }

    public required string? ForcedFailureMessage { get; init; }

    public DateTimeOffset EndsAt => SubmittedAt + SubmittedFor + InProgressFor;

    /// <summary>Written under the emulator's lock once processing finished.</summary>
    public ImportJobOutcome? Outcome { get; set; }

    /// <summary>The name reported back; the model requires one even when the request had none.</summary>
    public string JobName => Parameters.JobName ?? $"DicomImport-{JobId}";

    /// <summary><c>{requested outputS3Uri}{datastoreId}-DicomImport-{jobId}/</c>.</summary>
    public string ResolvedOutputS3Uri => $"{Parameters.OutputS3Uri}{Parameters.DatastoreId}-DicomImport-{JobId}/";

    public string StatusAt(DateTimeOffset now) =>
        Outcome?.Status ?? (now < SubmittedAt + SubmittedFor ? ImportJobStatuses.Submitted : ImportJobStatuses.InProgress);

    public bool HasEndedAt(DateTimeOffset now) => Outcome is not null || now >= EndsAt;
}
