namespace StrokeIngestion.Core.Domain;

/// <summary>
/// The attributes one conditional update sets on a study; <c>null</c> leaves an attribute
/// as it is. <see cref="UpdatedAt"/> is always written.
/// </summary>
public sealed record StudyUpdate
{
    public required string UpdatedAt { get; init; }

    public string? Status { get; init; }

    public string? ImportStatus { get; init; }

    public string? ImportJobId { get; init; }

    public string? ExecutionArn { get; init; }

    public string? FailureReason { get; init; }

    public string? FailureMessage { get; init; }

    public int? PollCount { get; init; }

    public string? ImageSetId { get; init; }

    public IReadOnlyList<string>? ImageSetIds { get; init; }

    public ImportFileCounts? ImportCounts { get; init; }

    public string? ReadyAt { get; init; }
}

/// <summary>File counts from an import's job-output manifest.</summary>
public sealed record ImportFileCounts(
    int Scanned,
    int Imported,
    int CustomerErrors,
    int ServerErrors,
    int GeneratedImageSets);
