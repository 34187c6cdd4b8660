namespace StrokeIngestion.Core.Ports;

/// <summary>Parameters of StartDICOMImportJob. S3 URIs are <c>s3://bucket/prefix/</c>.</summary>
public sealed record ImportJobRequest(
    string DatastoreId,
    string JobName,
    string ClientToken,
    string InputS3Uri,
    string OutputS3Uri,
    string DataAccessRoleArn);

/// <summary>An import job as HealthImaging reports it. <see cref="Status"/> is one of <see cref="Domain.ImportJobStatus"/>.</summary>
public sealed record ImportJob(
    string JobId,
    string DatastoreId,
    string Status,
    string? OutputS3Uri,
    string? Message,
    DateTimeOffset? SubmittedAt,
    DateTimeOffset? EndedAt);

/// <summary>
/// The HealthImaging import API. Starting is idempotent by <see cref="ImportJobRequest.ClientToken"/>.
/// Failures surface as <see cref="Errors.DependencyException"/>.
/// </summary>
public interface IImportService
{
    /// <summary>Starts (or, for a reused client token, returns) the import job.</summary>
    Task<ImportJob> StartImportAsync(ImportJobRequest request, CancellationToken cancellationToken);

    /// <summary>The job, or null when HealthImaging does not know it (404).</summary>
    Task<ImportJob?> GetImportJobAsync(string datastoreId, string jobId, CancellationToken cancellationToken);
}
