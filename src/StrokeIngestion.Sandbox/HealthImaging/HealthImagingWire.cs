using System.Text.Json;
using System.Text.Json.Serialization;

namespace StrokeIngestion.Sandbox.HealthImaging;

// Wire shapes of the restJson1 import API and of what an import writes to S3. Member names are
// the model's (botocore medical-imaging/2023-07-19, the HealthImaging developer guide).

internal sealed record StartDicomImportJobResponse(string DatastoreId, string JobId, string JobStatus, double SubmittedAt);

internal sealed record GetDicomImportJobResponse(DicomImportJobProperties JobProperties);

internal sealed record DicomImportJobProperties(
    string JobId,
    string JobName,
    string JobStatus,
    string DatastoreId,
    string DataAccessRoleArn,
    double? EndedAt,
    double? SubmittedAt,
    string InputS3Uri,
    string OutputS3Uri,
    string? Message);

internal sealed record ListDicomImportJobsResponse(IReadOnlyList<DicomImportJobSummary> JobSummaries, string? NextToken);

internal sealed record DicomImportJobSummary(
    string JobId,
    string JobName,
    string JobStatus,
    string DatastoreId,
    string DataAccessRoleArn,
    double? EndedAt,
    double? SubmittedAt,
    string? Message);

internal sealed record ErrorResponse(string Message);

internal sealed record JobOutputManifest(JobOutputSummary JobSummary);

internal sealed record JobOutputSummary(
    string JobId,
    string DatastoreId,
    string InputS3Uri,
    string OutputS3Uri,
    string SuccessOutputS3Uri,
    string FailureOutputS3Uri,
    string WarningsOutputS3Uri,
    int NumberOfScannedFiles,
    int NumberOfImportedFiles,
    int NumberOfFilesWithCustomerError,
    int NumberOfFilesWithServerError,
    int NumberOfGeneratedImageSets,
    IReadOnlyList<ImageSetSummary> ImageSetsSummary);

internal sealed record ImageSetSummary(
    string ImageSetId,
    int ImageSetVersion,
    bool IsPrimary,
    [property: JsonPropertyName("numberOfMatchedSOPInstances")] int NumberOfMatchedSopInstances);

internal sealed record SuccessLine(string InputFile, ImportResponse ImportResponse);

internal sealed record ImportResponse(string ImageSetId, bool IsPrimary);

internal sealed record FailureLine(string InputFile, ImportException Exception);

internal sealed record ImportException(string ExceptionType, string Message);

internal static class HealthImagingJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Timestamps travel as epoch seconds (JSON numbers, millisecond precision).</summary>
    public static double EpochSeconds(DateTimeOffset value) => value.ToUnixTimeMilliseconds() / 1000.0;
}
