using StrokeIngestion.Core.Errors;

namespace StrokeIngestion.Core.Monitoring;

/// <summary>
/// Where a finished import job wrote its results, as a key prefix in the upload bucket:
/// <c>{requested outputS3Uri}{datastoreId}-DicomImport-{jobId}/</c>.
/// </summary>
public static class ImportOutputLocation
{
    /// <summary>
    /// The resolved output folder (bucket-relative, ending in <c>/</c>) for the job's
    /// <paramref name="outputS3Uri"/>. HealthImaging reports the resolved folder once the
    /// job has ended; a URI still naming the requested folder is resolved here, so either
    /// answer works.
    /// </summary>
    /// <exception cref="DependencyException">
    /// The URI is not <c>s3://bucket/…</c> or names a bucket other than <paramref name="uploadBucket"/>
    /// (the monitor only reads its own bucket; retrying would not change the answer).
    /// </exception>
    public static string ResolveFolderKey(string outputS3Uri, string uploadBucket, string datastoreId, string jobId)
    {
        const string scheme = "s3://";
        if (!outputS3Uri.StartsWith(scheme, StringComparison.Ordinal))
        {
            throw Unexpected("The import job's output location is not an S3 URI.");
        }

        var rest = outputS3Uri[scheme.Length..];
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var bucket = slash < 0 ? rest : rest[..slash];
        var key = slash < 0 ? string.Empty : rest[(slash + 1)..];
        if (!string.Equals(bucket, uploadBucket, StringComparison.Ordinal))
        {
            throw Unexpected("The import job's output location is not in the upload bucket.");
        }

        var jobFolder = $"{datastoreId}-DicomImport-{jobId}/";
        if (key.EndsWith(jobFolder, StringComparison.Ordinal))
        {
            return key;
        }

        if (key.EndsWith(jobFolder[..^1], StringComparison.Ordinal))
        {
            return key + "/";
        }

        return key + jobFolder;
    }

    private static DependencyException Unexpected(string message) =>
        new(Dependency.HealthImaging, "UnexpectedOutputLocation", message);
}
