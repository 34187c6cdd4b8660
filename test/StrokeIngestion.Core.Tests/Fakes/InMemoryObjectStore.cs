using System.Collections.Concurrent;
using System.Security.Cryptography;
using StrokeIngestion.Core.Ports;

namespace StrokeIngestion.Core.Tests.Fakes;

/// <summary>An upload bucket in memory, recording reads and copies, with failure injection.</summary>
internal sealed class InMemoryObjectStore(string bucketName = "stroke-detection-ai-dicom-uploads-111122223333") : IObjectStore
{
    private readonly ConcurrentDictionary<string, byte[]> _objects = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _copies = new();
    private long _bytesRead;

    public string BucketName { get; } = bucketName;

    /// <summary>Keys read whole with <see cref="ReadTextAsync"/>, in call order.</summary>
    public ConcurrentQueue<string> Reads { get; } = new();

    public ConcurrentQueue<Exception> CopyFailures { get; } = new();

    public ConcurrentQueue<Exception> ReadFailures { get; } = new();

    /// <summary>Destination keys of every copy, in call order (repeats included).</summary>
    public IReadOnlyCollection<string> Copies => _copies.ToArray();

    public long BytesRead => Interlocked.Read(ref _bytesRead);

    public int RangeReads { get; private set; }

    public void Put(string key, byte[] content) => _objects[key] = content;

    public void Put(string key, string text) => _objects[key] = System.Text.Encoding.UTF8.GetBytes(text);

    public byte[]? Get(string key) => _objects.GetValueOrDefault(key);

    public IEnumerable<string> Keys(string prefix) =>
        _objects.Keys.Where(k => k.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal);

    public Task<StoredObject?> GetInfoAsync(string key, CancellationToken cancellationToken) =>
        Task.FromResult(_objects.TryGetValue(key, out var content) ? Describe(key, content) : null);

    public Task<IReadOnlyList<StoredObject>> ListAsync(string prefix, int limit, CancellationToken cancellationToken)
    {
        IReadOnlyList<StoredObject> listed = Keys(prefix)
            .Where(k => !k.EndsWith('/'))
            .Take(limit)
            .Select(k => Describe(k, _objects[k]))
            .ToList();
        return Task.FromResult(listed);
    }

    public Task<byte[]> ReadRangeAsync(StoredObject source, long offset, int count, CancellationToken cancellationToken)
    {
        if (ReadFailures.TryDequeue(out var failure))
        {
            throw failure;
        }

        RangeReads++;
        var content = _objects[source.Key];
        var start = (int)Math.Min(offset, content.Length);
        var length = Math.Min(count, content.Length - start);
        Interlocked.Add(ref _bytesRead, length);
        return Task.FromResult(content.AsSpan(start, length).ToArray());
    }

    public Task CopyAsync(StoredObject source, string destinationKey, CancellationToken cancellationToken)
    {
        if (CopyFailures.TryDequeue(out var failure))
        {
            throw failure;
        }

        _copies.Enqueue(destinationKey);
        _objects[destinationKey] = _objects[source.Key];
        return Task.CompletedTask;
    }

    public Task<string?> ReadTextAsync(string key, CancellationToken cancellationToken)
    {
        Reads.Enqueue(key);
        return Task.FromResult(_objects.TryGetValue(key, out var content) ? System.Text.Encoding.UTF8.GetString(content) : null);
    }

    private static StoredObject Describe(string key, byte[] content) =>
        new(key, content.Length, "\"" + Convert.ToHexStringLower(SHA256.HashData(content))[..32] + "\"", VersionId: null);
}
