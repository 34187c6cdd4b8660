using StrokeIngestion.Core.Domain;

namespace StrokeIngestion.Core.Monitoring;

/// <summary>
/// One poll of the monitoring loop: the loop state the state machine passes in.
/// <see cref="Attempt"/> counts the polls already made (0 on the first).
/// </summary>
public sealed record ImportPollRequest(StudyId StudyId, string DatastoreId, string ImportJobId, int Attempt);

/// <summary>
/// What one poll found, shaped like the loop state the state machine carries forward.
/// </summary>
public sealed record ImportPollOutcome
{
    public required StudyId StudyId { get; init; }

    public required string DatastoreId { get; init; }

    public required string ImportJobId { get; init; }

    /// <summary>The request's attempt + 1: the number of polls made, this one included.</summary>
    public required int Attempt { get; init; }

    /// <summary>
    /// HealthImaging's job status, <see cref="MonitorImportStatus.NotFound"/> for an unknown
    /// job, or — when the study was already terminal or is missing — whatever the record
    /// holds (possibly null): the monitor did not ask HealthImaging then.
    /// </summary>
    public required string? ImportStatus { get; init; }

    /// <summary>The study's status after this poll (<see cref="StudyStatus"/>).</summary>
    public required string Status { get; init; }

    /// <summary>True when the loop should stop: the study is (or already was) in a terminal status, or is missing.</summary>
    public required bool Done { get; init; }

    /// <summary>The primary image set, set only when the study is ready for analysis.</summary>
    public string? ImageSetId { get; init; }

    /// <summary>Every image set the import generated, in manifest order (also on failures, for clean-up).</summary>
    public IReadOnlyList<string> ImageSetIds { get; init; } = [];

    /// <summary>One of <see cref="FailureReasons"/> when the study failed, else null.</summary>
    public string? FailureReason { get; init; }

    /// <summary>
    /// True when this poll found the import job COMPLETED or FAILED, recorded that on the study,
    /// and the study it read held no <c>import_event_status</c>: HealthImaging's import-end
    /// event had not arrived, so the workflow got here by timing out its event wait (or by the
    /// fallback poll). False otherwise, also when the study was already terminal or is missing.
    /// </summary>
    public bool ImportEventMissing { get; init; }
}

/// <summary>What the backstop did: the study's status afterwards. Always final.</summary>
public sealed record WorkflowEndOutcome(StudyId StudyId, string Status)
{
    /// <summary>Always true: the backstop is the workflow's last word.</summary>
    public bool Done { get; } = true;
}
