using System.Text.Json.Nodes;

namespace StrokeIngestion.Sandbox.HealthImaging;

/// <summary>
/// The EventBridge event HealthImaging publishes (source <c>aws.medical-imaging</c>, default bus)
/// when an import job ends: detail-type <c>Import Job Completed</c> or <c>Import Job Failed</c>,
/// detail <c>{datastoreId, jobId, jobName, jobStatus, inputS3Uri, outputS3Uri}</c>.
/// </summary>
internal sealed record ImportJobEvent(
    string DatastoreId,
    string JobId,
    string JobName,
    string JobStatus,
    string InputS3Uri,
    string OutputS3Uri,
    string DatastoreArn)
{
    public const string Source = "aws.medical-imaging";
    public const string CompletedDetailType = "Import Job Completed";
    public const string FailedDetailType = "Import Job Failed";

    public string DetailType => JobStatus == ImportJobStatuses.Completed ? CompletedDetailType : FailedDetailType;

    public JsonObject Detail() => new()
    {
        ["datastoreId"] = DatastoreId,
        ["jobId"] = JobId,
        ["jobName"] = JobName,
        ["jobStatus"] = JobStatus,
        ["inputS3Uri"] = InputS3Uri,
        ["outputS3Uri"] = OutputS3Uri,
    };
}

/// <summary>An import job has ended; raised once per job, after its status and output are visible.</summary>
internal sealed class ImportJobEndedEventArgs : EventArgs
{
    public ImportJobEndedEventArgs(ImportJobEvent importEvent)
    {
        Event = importEvent;
    }

    public ImportJobEvent Event { get; }
}
