using Amazon.S3;
using Amazon.S3.Model;

namespace StrokeIngestion.Sandbox.HealthImaging;

/// <summary>The S3 operations an import job performs: list the input prefix, read inputs, write results.</summary>
internal interface IImportObjectStorage
{
    /// <summary>Every object under <paramref name="prefix"/>, in the order S3 lists them.</summary>
    Task<IReadOnlyList<StoredObject>> ListAsync(string bucket, string prefix, CancellationToken cancellationToken);

    Task<byte[]> ReadAsync(string bucket, string key, CancellationToken cancellationToken);

    Task WriteAsync(string bucket, string key, byte[] content, string contentType, CancellationToken cancellationToken);
}

/// <summary>An object under an import's input prefix: its key and size in bytes.</summary>
internal sealed record StoredObject(string Key, long Size);

/// <summary>
/// Import storage on an S3 endpoint (the sandbox's S3 emulator). The client is owned by the host.
/// </summary>
internal sealed class S3ImportObjectStorage : IImportObjectStorage
{
    private readonly IAmazonS3 _s3;

    public S3ImportObjectStorage(IAmazonS3 s3)
    {
        ArgumentNullException.ThrowIfNull(s3);
        _s3 = s3;
    }

    public async Task<IReadOnlyList<StoredObject>> ListAsync(string bucket, string prefix, CancellationToken cancellationToken)
    {
        var objects = new List<StoredObject>();
        string? continuationToken = null;
        do
        {
            var response = await _s3.ListObjectsV2Async(
                new ListObjectsV2Request { BucketName = bucket, Prefix = prefix, ContinuationToken = continuationToken },
                cancellationToken);

            // Console-created "folders" are zero-byte keys ending in '/': they hold no instance.
            objects.AddRange((response.S3Objects ?? []).Where(o => !o.Key.EndsWith('/')).Select(o => new StoredObject(o.Key, o.Size ?? 0)));
            continuationToken = response.IsTruncated == true ? response.NextContinuationToken : null;
        }
        while (continuationToken is not null);

        return objects;
    }

    public async Task<byte[]> ReadAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        using var response = await _s3.GetObjectAsync(bucket, key, cancellationToken);
        using var buffer = new MemoryStream();
        await response.ResponseStream.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }

    public async Task WriteAsync(string bucket, string key, byte[] content, string contentType, CancellationToken cancellationToken)
    {
        using var body = new MemoryStream(content, writable: false);
        await _s3.PutObjectAsync(
            new PutObjectRequest
            {
                BucketName = bucket,
                Key = key,
                InputStream = body,
                ContentType = contentType,
                // s3rver stores aws-chunked bodies verbatim (framing included).
                UseChunkEncoding = false,
            },
            cancellationToken);
    }
}
