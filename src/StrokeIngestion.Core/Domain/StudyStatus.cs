namespace StrokeIngestion.Core.Domain;

/// <summary>The <c>status</c> attribute of a study record.</summary>
public static class StudyStatus
{
    /// <summary>Record written; import and workflow not both started yet (or the handler died mid-way: a retry completes it).</summary>
    public const string Received = "RECEIVED";

    /// <summary>Validated and recorded; waiting in the import queue for a start token and a job slot (see README "Admission").</summary>
    public const string Queued = "QUEUED";

    /// <summary>Import job and monitoring workflow both started.</summary>
    public const string Importing = "IMPORTING";

    /// <summary>Terminal: every file imported, image set ids recorded.</summary>
    public const string ReadyForAnalysis = "READY_FOR_ANALYSIS";

    /// <summary>Terminal: the import job failed, or finished with per-file errors or a conflicting image set.</summary>
    public const string ImportFailed = "IMPORT_FAILED";

    /// <summary>Terminal: the import did not end within the monitoring bound.</summary>
    public const string ImportTimedOut = "IMPORT_TIMED_OUT";

    /// <summary>Starting the import or the workflow failed; a retry of the same request may resume from here.</summary>
    public const string UploadFailed = "UPLOAD_FAILED";

    public static readonly IReadOnlyList<string> Terminal = [ReadyForAnalysis, ImportFailed, ImportTimedOut];

    /// <summary>
    /// Statuses the monitor may move forward from. UPLOAD_FAILED is among them because the
    /// upload handler may have lost its final write after the import and workflow started:
    /// when a workflow exists, what the import job says is the truth. QUEUED likewise: a workflow
    /// runs only once a job started, so a study still QUEUED has lost its IMPORTING write.
    /// </summary>
    public static readonly IReadOnlyList<string> Monitorable = [Received, Queued, Importing, UploadFailed];

    public static bool IsTerminal(string status) => Terminal.Contains(status);
}

/// <summary>HealthImaging's <c>jobStatus</c> values, kept on the study as <c>import_status</c>.</summary>
public static class ImportJobStatus
{
    public const string Submitted = "SUBMITTED";
    public const string InProgress = "IN_PROGRESS";
    public const string Completed = "COMPLETED";
    public const string Failed = "FAILED";
}
