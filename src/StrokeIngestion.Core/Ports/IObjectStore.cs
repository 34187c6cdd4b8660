namespace StrokeIngestion.Core.Ports;

/// <summary>An object in the upload bucket. <see cref="VersionId"/> is null where the store keeps no versions.</summary>
public sealed record StoredObject(string Key, long Size, string ETag, string? VersionId);

/// <summary>
/// The upload bucket (one bucket, named by configuration). Keys are bucket-relative.
/// Failures surface as <see cref="Errors.DependencyException"/>.
/// </summary>
public interface IObjectStore
{
    /// <summary>The bucket this store reads and writes.</summary>
    string BucketName { get; }

    /// <summary>Metadata of one object (a HEAD request); null when it does not exist.</summary>
    Task<StoredObject?> GetInfoAsync(string key, CancellationToken cancellationToken);

    /// <summary>
    /// Objects under <paramref name="prefix"/> in key order, at most <paramref name="limit"/>
    /// of them (callers ask for one more than they accept to detect "too many").
    /// </summary>
    Task<IReadOnlyList<StoredObject>> ListAsync(string prefix, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Bytes <paramref name="offset"/>..offset+count-1 of the object (a ranged GET), fewer
    /// when the object is shorter. Pins the version when <see cref="StoredObject.VersionId"/> is set.
    /// </summary>
    Task<byte[]> ReadRangeAsync(StoredObject source, long offset, int count, CancellationToken cancellationToken);

    /// <summary>Server-side copy of exactly that version to <paramref name="destinationKey"/>. Idempotent.</summary>
    Task CopyAsync(StoredObject source, string destinationKey, CancellationToken cancellationToken);

    /// <summary>The whole object as UTF-8 text; null when it does not exist. For small objects (manifests).</summary>
    Task<string?> ReadTextAsync(string key, CancellationToken cancellationToken);
}
