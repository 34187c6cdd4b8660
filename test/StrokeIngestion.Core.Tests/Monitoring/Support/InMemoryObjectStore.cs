using StrokeIngestion.Core.Ports;

namespace StrokeIngestion.Core.Tests.Monitoring.Support;

/// <summary>Text objects in memory; records every read so tests can count them.</summary>
internal sealed class InMemoryObjectStore(string bucketName) : IObjectStore
{
    private readonly Dictionary<string, string> _objects = new(StringComparer.Ordinal);

    public string BucketName { get; } = bucketName;

    public List<string> Reads { get; } = [];

    public void Put(string key, string text) => _objects[key] = text;

    public Task<string?> ReadTextAsync(string key, CancellationToken cancellationToken)
    {
        Reads.Add(key);
        return Task.FromResult(_objects.GetValueOrDefault(key));
    }

    public Task<StoredObject?> GetInfoAsync(string key, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<IReadOnlyList<StoredObject>> ListAsync(string prefix, int limit, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task<byte[]> ReadRangeAsync(StoredObject source, long offset, int count, CancellationToken cancellationToken) => throw new NotSupportedException();

    public Task CopyAsync(StoredObject source, string destinationKey, CancellationToken cancellationToken) => throw new NotSupportedException();
}
