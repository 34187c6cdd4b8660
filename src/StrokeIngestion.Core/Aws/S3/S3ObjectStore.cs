using System.Net;
using System.Text;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using StrokeIngestion.Core.Errors;
using StrokeIngestion.Core.Ports;

namespace StrokeIngestion.Core.Aws.S3;

/// <summary>
/// <see cref="IObjectStore"/> over one S3 bucket. ETags are kept as S3 returns them (quoted),
/// which is also the form <c>x-amz-copy-source-if-match</c> takes.
/// </summary>
internal sealed class S3ObjectStore : IObjectStore
{
    /// <summary>S3's own ceiling for one ListObjectsV2 page.</summary>
    internal const int MaxListPageSize = 1000;

    /// <summary>
    /// <see cref="ReadTextAsync"/> is for manifests; a bigger object would be read into a
    /// Lambda's memory by mistake.
    /// </summary>
    internal const long MaxTextBytes = 16 * 1024 * 1024;

    internal static readonly SdkErrorTranslator ErrorTranslator = new(
        Dependency.S3,
        "S3",
        throttlingStatuses: [503],
        throttlingCodes: ["SlowDown"],
        transientCodes: []);

    private readonly IAmazonS3 _s3;
    private readonly int _listPageSize;

    public S3ObjectStore(IAmazonS3 s3, string bucketName)
        : this(s3, bucketName, MaxListPageSize)
    {
    }

    /// <param name="s3">The client; owned by the caller (one per container).</param>
    /// <param name="bucketName">The bucket every key refers to.</param>
    /// <param name="listPageSize">Keys per ListObjectsV2 page; tests lower it to exercise paging without thousands of objects.</param>
    internal S3ObjectStore(IAmazonS3 s3, string bucketName, int listPageSize)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(bucketName);
        ArgumentOutOfRangeException.ThrowIfLessThan(listPageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(listPageSize, MaxListPageSize);
        _s3 = s3;
        BucketName = bucketName;
        _listPageSize = listPageSize;
    }

    public string BucketName { get; }

    public async Task<StoredObject?> GetInfoAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        try
        {
            var response = await _s3.GetObjectMetadataAsync(
                new GetObjectMetadataRequest { BucketName = BucketName, Key = key },
                cancellationToken);
            return new StoredObject(key, response.ContentLength, response.ETag ?? string.Empty, NullIfEmpty(response.VersionId));
        }
        catch (AmazonServiceException error) when (IsNotFound(error))
        {
            return null;
        }
        catch (AmazonServiceException error) when (IsForbidden(error))
        {
            return await IsListedAsMissingAsync(key, cancellationToken) ? null : throw ErrorTranslator.Translate("HeadObject", error);
        }
        catch (Exception error) when (SdkErrorTranslator.ShouldTranslate(error, cancellationToken))
        {
            throw ErrorTranslator.Translate("HeadObject", error);
        }
    }

    public async Task<IReadOnlyList<StoredObject>> ListAsync(string prefix, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);

        var objects = new List<StoredObject>();
        string? continuationToken = null;
        try
        {
            do
            {
                var response = await _s3.ListObjectsV2Async(
                    new ListObjectsV2Request
                    {
                        BucketName = BucketName,
                        Prefix = prefix,
                        ContinuationToken = continuationToken,

                        // Folder markers are skipped after the fact, so a page can hold fewer
                        // usable keys than asked for: always ask for a full page.
                        MaxKeys = _listPageSize,
                    },
                    cancellationToken);

                foreach (var item in response.S3Objects ?? [])
                {
                    if (IsFolderMarker(item))
                    {
                        continue;
                    }

                    objects.Add(new StoredObject(item.Key, item.Size ?? 0, item.ETag ?? string.Empty, VersionId: null));
                    if (objects.Count == limit)
                    {
                        return objects;
                    }
                }

                continuationToken = response.IsTruncated == true ? response.NextContinuationToken : null;
            }
            while (!string.IsNullOrEmpty(continuationToken));
        }
        catch (Exception error) when (SdkErrorTranslator.ShouldTranslate(error, cancellationToken))
        {
            throw ErrorTranslator.Translate("ListObjectsV2", error);
        }

        return objects;
    }

    public async Task<byte[]> ReadRangeAsync(StoredObject source, long offset, int count, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);

        // Past the end there is nothing to read, and S3 would only answer 416 (s3rver even
        // answers an empty object with a 206 whose body never comes).
        if (count == 0 || offset >= source.Size)
        {
            return [];
        }

        try
        {
            using var response = await _s3.GetObjectAsync(
                new GetObjectRequest
                {
                    BucketName = BucketName,
                    Key = source.Key,
                    VersionId = source.VersionId,
                    ByteRange = new ByteRange(offset, offset + count - 1),
                },
                cancellationToken);

            // A server that ignores Range answers 200 with the whole object; keep only the
            // requested window so callers never see bytes from the wrong offset.
            var skip = response.HttpStatusCode == HttpStatusCode.PartialContent ? 0 : offset;
            return await ReadWindowAsync(response.ResponseStream, skip, count, cancellationToken);
        }
        catch (AmazonServiceException error) when (error.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
        {
            // The range starts at or past the end (always so for an empty object): nothing there.
            return [];
        }
        catch (Exception error) when (SdkErrorTranslator.ShouldTranslate(error, cancellationToken))
        {
            throw ErrorTranslator.Translate("GetObject", error);
        }
    }

    public async Task CopyAsync(StoredObject source, string destinationKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentException.ThrowIfNullOrEmpty(destinationKey);

        var request = new CopyObjectRequest
        {
            SourceBucket = BucketName,
            SourceKey = source.Key,
            SourceVersionId = source.VersionId,
            DestinationBucket = BucketName,
            DestinationKey = destinationKey,
        };

        // Without a version to pin, the ETag is what ties the copy to the bytes that were
        // validated: if the object was overwritten since, S3 refuses (412) instead of
        // silently copying other content.
        if (source.VersionId is null && !string.IsNullOrEmpty(source.ETag))
        {
            request.ETagToMatch = source.ETag;
        }

        try
        {
            await _s3.CopyObjectAsync(request, cancellationToken);
        }
        catch (Exception error) when (SdkErrorTranslator.ShouldTranslate(error, cancellationToken))
        {
            throw ErrorTranslator.Translate("CopyObject", error);
        }
    }

    public async Task<string?> ReadTextAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        try
        {
            using var response = await _s3.GetObjectAsync(
                new GetObjectRequest { BucketName = BucketName, Key = key },
                cancellationToken);
            if (response.ContentLength > MaxTextBytes)
            {
                throw new DependencyException(Dependency.S3, "ObjectTooLarge", $"S3 GetObject returned {response.ContentLength} bytes; text reads are limited to {MaxTextBytes}.");
            }

            using var reader = new StreamReader(response.ResponseStream, Encoding.UTF8);
            return await reader.ReadToEndAsync(cancellationToken);
        }
        catch (AmazonServiceException error) when (IsNotFound(error))
        {
            return null;
        }
        catch (AmazonServiceException error) when (IsForbidden(error))
        {
            return await IsListedAsMissingAsync(key, cancellationToken) ? null : throw ErrorTranslator.Translate("GetObject", error);
        }
        catch (Exception error) when (SdkErrorTranslator.ShouldTranslate(error, cancellationToken))
        {
            throw ErrorTranslator.Translate("GetObject", error);
        }
    }

    private static bool IsNotFound(AmazonServiceException error) =>
        error.StatusCode == HttpStatusCode.NotFound
        && (string.IsNullOrEmpty(error.ErrorCode) || error.ErrorCode is "NotFound" or "NoSuchKey");

    private static bool IsForbidden(AmazonServiceException error) => error.StatusCode == HttpStatusCode.Forbidden;

    /// <summary>
    /// S3 answers a missing key with 403, not 404, unless the caller may list the whole bucket,
    /// which the functions may not (key names under uploads/ can carry PHI). Each may list
    /// under the prefixes it reads, so a listing of exactly this key tells "missing" from
    /// "denied": a key sorts before every longer key it is a prefix of, so one key suffices.
    /// When the listing fails too, nothing can be told and the read's own error stands.
    /// </summary>
    private async Task<bool> IsListedAsMissingAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _s3.ListObjectsV2Async(
                new ListObjectsV2Request { BucketName = BucketName, Prefix = key, MaxKeys = 1 },
                cancellationToken);
            return !(response.S3Objects ?? []).Any(item => item.Key == key);
        }
        catch (AmazonServiceException)
        {
            return false;
        }
    }

    private static bool IsFolderMarker(S3Object item) =>
        item.Key.EndsWith('/') && (item.Size ?? 0) == 0;

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static async Task<byte[]> ReadWindowAsync(Stream stream, long skip, int count, CancellationToken cancellationToken)
    {
        var buffer = new byte[81920];
        while (skip > 0)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, skip)), cancellationToken);
            if (read == 0)
            {
                return [];
            }

            skip -= read;
        }

        var result = new byte[count];
        var filled = 0;
        while (filled < count)
        {
            var read = await stream.ReadAsync(result.AsMemory(filled), cancellationToken);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return filled == count ? result : result[..filled];
    }
}
