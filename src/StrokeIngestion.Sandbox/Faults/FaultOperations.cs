using Microsoft.AspNetCore.Http;

namespace StrokeIngestion.Sandbox.Faults;

/// <summary>
/// The names the proxy gives S3 requests (path-style addressing, as our clients use against
/// emulators). Ranged GETs and copies are told apart from plain GETs and PUTs because they
/// fail differently for the pipeline; anything unrecognised is named "METHOD bucket|object".
/// </summary>
internal static class S3OperationNames
{
    public const string ListBuckets = "ListBuckets";
    public const string ListObjects = "ListObjects";
    public const string ListObjectsV2 = "ListObjectsV2";
    public const string ListObjectVersions = "ListObjectVersions";
    public const string HeadBucket = "HeadBucket";
    public const string CreateBucket = "CreateBucket";
    public const string DeleteBucket = "DeleteBucket";
    public const string DeleteObjects = "DeleteObjects";
    public const string GetObject = "GetObject";
    public const string GetObjectRange = "GetObjectRange";
    public const string HeadObject = "HeadObject";
    public const string PutObject = "PutObject";
    public const string CopyObject = "CopyObject";
    public const string DeleteObject = "DeleteObject";
    public const string CreateMultipartUpload = "CreateMultipartUpload";
    public const string UploadPart = "UploadPart";
    public const string UploadPartCopy = "UploadPartCopy";
    public const string CompleteMultipartUpload = "CompleteMultipartUpload";
    public const string AbortMultipartUpload = "AbortMultipartUpload";
    public const string ListParts = "ListParts";
}

/// <summary>Names the operation of a request the proxy receives.</summary>
internal static class FaultOperations
{
    /// <summary>A DynamoDB request without <c>X-Amz-Target</c>, or an S3 request the rules do not place.</summary>
    public const string Unknown = "Unknown";

    // Query parameters that address a sub-resource of a bucket or object rather than its
    // contents (?acl, ?tagging, …); listing and response-override parameters are not among them.
    private static readonly HashSet<string> Subresources = new(StringComparer.Ordinal)
    {
        "accelerate", "acl", "analytics", "attributes", "cors", "delete", "encryption", "inventory",
        "legal-hold", "lifecycle", "location", "logging", "metrics", "notification", "object-lock",
        "ownershipControls", "policy", "policyStatus", "publicAccessBlock", "replication",
        "requestPayment", "restore", "retention", "select", "tagging", "torrent", "uploads",
        "versioning", "versions", "website",
    };

    public static string Classify(FaultTarget target, HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return target switch
        {
            FaultTarget.DynamoDb or FaultTarget.StepFunctions or FaultTarget.Sqs => DynamoDbOperation(request),
            FaultTarget.S3 => S3Operation(request),
            FaultTarget.HealthImaging => request.Path.Value?.Split('/', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? Unknown,
            _ => throw new ArgumentOutOfRangeException(nameof(target), target, null),
        };
    }

    private static string DynamoDbOperation(HttpRequest request)
    {
        // "DynamoDB_20120810.PutItem", "AWSStepFunctions.StartExecution": the action follows the dot.
        var value = request.Headers["X-Amz-Target"].ToString();
        var dot = value.LastIndexOf('.');
        return dot >= 0 && dot < value.Length - 1 ? value[(dot + 1)..] : Unknown;
    }

    private static string S3Operation(HttpRequest request)
    {
        var path = (request.Path.Value ?? string.Empty).TrimStart('/');
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        var bucket = slash < 0 ? path : path[..slash];
        var key = slash < 0 ? string.Empty : path[(slash + 1)..];
        var query = request.Query;
        var method = request.Method;

        if (bucket.Length == 0)
        {
            return HttpMethods.IsGet(method) ? S3OperationNames.ListBuckets : $"{method} service";
        }

        if (key.Length == 0)
        {
            return method switch
            {
                _ when HttpMethods.IsGet(method) && query["list-type"] == "2" => S3OperationNames.ListObjectsV2,
                _ when HttpMethods.IsGet(method) && query.ContainsKey("versions") => S3OperationNames.ListObjectVersions,
                _ when HttpMethods.IsGet(method) && !HasSubresource(query) => S3OperationNames.ListObjects,
                _ when HttpMethods.IsHead(method) => S3OperationNames.HeadBucket,
                _ when HttpMethods.IsPut(method) && !HasSubresource(query) => S3OperationNames.CreateBucket,
                _ when HttpMethods.IsDelete(method) && !HasSubresource(query) => S3OperationNames.DeleteBucket,
                _ when HttpMethods.IsPost(method) && query.ContainsKey("delete") => S3OperationNames.DeleteObjects,
                _ => $"{method} bucket",
            };
        }

        var multipart = query.ContainsKey("uploadId");
        var copy = request.Headers.ContainsKey("x-amz-copy-source");
        return method switch
        {
            _ when HttpMethods.IsGet(method) && multipart => S3OperationNames.ListParts,
            _ when HttpMethods.IsGet(method) && request.Headers.ContainsKey("Range") => S3OperationNames.GetObjectRange,
            _ when HttpMethods.IsGet(method) && !HasSubresource(query) => S3OperationNames.GetObject,
            _ when HttpMethods.IsHead(method) => S3OperationNames.HeadObject,
            _ when HttpMethods.IsPut(method) && multipart => copy ? S3OperationNames.UploadPartCopy : S3OperationNames.UploadPart,
            _ when HttpMethods.IsPut(method) && copy => S3OperationNames.CopyObject,
            _ when HttpMethods.IsPut(method) && !HasSubresource(query) => S3OperationNames.PutObject,
            _ when HttpMethods.IsPost(method) && query.ContainsKey("uploads") => S3OperationNames.CreateMultipartUpload,
            _ when HttpMethods.IsPost(method) && multipart => S3OperationNames.CompleteMultipartUpload,
            _ when HttpMethods.IsDelete(method) && multipart => S3OperationNames.AbortMultipartUpload,
            _ when HttpMethods.IsDelete(method) && !HasSubresource(query) => S3OperationNames.DeleteObject,
            _ => $"{method} object",
        };
    }

    private static bool HasSubresource(IQueryCollection query) => query.Keys.Any(Subresources.Contains);
}
