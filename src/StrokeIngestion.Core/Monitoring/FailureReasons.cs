namespace StrokeIngestion.Core.Monitoring;

/// <summary>
/// The <c>failure_reason</c> codes a study record can carry once its import has ended
/// badly. Codes are stable (clients and dashboards match on them); the free-text
/// <c>failure_message</c> beside them is for people and never holds PHI.
/// </summary>
public static class FailureReasons
{
    /// <summary>The monitor was asked about a study the table does not hold (nothing is written).</summary>
    public const string StudyNotFound = "study_not_found";

    /// <summary>HealthImaging does not know the import job (GetDICOMImportJob answered 404).</summary>
    public const string ImportJobNotFound = "import_job_not_found";

    /// <summary>The import job itself ended FAILED.</summary>
    public const string ImportJobFailed = "import_job_failed";

    /// <summary>The job COMPLETED but HealthImaging rejected at least one file (customer error).</summary>
    public const string FilesRejected = "files_rejected";

    /// <summary>The job COMPLETED but at least one file failed with a HealthImaging server error.</summary>
    public const string ImportServerError = "import_server_error";

    /// <summary>An image set came out non-primary: the data conflicts with an existing primary image set.</summary>
    public const string ConflictingImageSet = "conflicting_image_set";

    /// <summary>The job COMPLETED without errors but generated no image set.</summary>
    public const string NoImageSets = "no_image_sets";

    /// <summary>The job-output manifest is not JSON, lacks a required field, or names another job.</summary>
    public const string ManifestUnreadable = "manifest_unreadable";

    /// <summary>The job COMPLETED but its manifest was still absent well after the job ended.</summary>
    public const string ManifestMissing = "manifest_missing";

    /// <summary>Backstop: the monitoring workflow timed out before the study reached a terminal status.</summary>
    public const string WorkflowTimedOut = "workflow_timed_out";

    /// <summary>Backstop: the monitoring workflow was stopped (aborted) before the study reached a terminal status.</summary>
    public const string WorkflowAborted = "workflow_aborted";

    /// <summary>Backstop: the monitoring workflow failed before the study reached a terminal status.</summary>
    public const string WorkflowFailed = "workflow_failed";

    /// <summary>Written by the state machine (not this code) when the poll bound is reached.</summary>
    public const string ImportTimedOut = "import_timed_out";

    /// <summary>Written by the state machine (not this code) when the monitor Lambda failed for good.</summary>
    public const string MonitorError = "monitor_error";
}

/// <summary>
/// The monitor's <c>import_status</c> sentinel for a job HealthImaging does not know; the
/// other values are HealthImaging's own (<see cref="Domain.ImportJobStatus"/>).
/// </summary>
public static class MonitorImportStatus
{
    public const string NotFound = "NOT_FOUND";
}
