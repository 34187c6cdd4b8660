using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using StrokeIngestion.Core.Aws;
using StrokeIngestion.Core.Errors;
using StrokeIngestion.Core.Ports;
using StrokeIngestion.Sandbox.Emulators;
using StrokeIngestion.Sandbox.Faults;

namespace StrokeIngestion.EndToEnd.Tests.Faults;

/// <summary>The proxy in front of s3rver, driven by the official AWSSDK.S3 client and Core's S3 adapter.</summary>
public sealed class FaultInjectingProxyS3Tests(EmulatorsFixture emulators) : IClassFixture<EmulatorsFixture>
{
    // A space makes the path percent-encoded on the way through. No '+' or '=': s3rver reads
    // x-amz-copy-source with decodeURI, which leaves %2B and %3D encoded, so CopyObject of
    // such a key fails against s3rver even without the proxy.
    private const string SourceKey = "uploads/batch 1/scan 01.dcm";

    [SkippableFact]
    public async Task Proxy_WhenNoFaults_ShouldRelayEveryS3CallByteExact()
    {
        var (s3rver, bucket) = await NewBucketAsync();
        await using var proxy = await FaultTestClients.ProxyAsync(s3rver, FaultTarget.S3);
        using var client = FaultTestClients.S3(proxy.Endpoint, maxErrorRetry: 0);
        var content = RandomBytes(3 * 1024 * 1024, seed: 11);
        const string copyKey = "imports/STUDY-0123456789ab/scan.dcm";

        var put = await client.PutObjectAsync(Put(bucket, SourceKey, content));
        var whole = await ReadAllAsync(client, new GetObjectRequest { BucketName = bucket, Key = SourceKey });
        using var ranged = await client.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = SourceKey, ByteRange = new ByteRange(1000, 1999) });
        var rangeBytes = await ReadStreamAsync(ranged.ResponseStream);
        var head = await client.GetObjectMetadataAsync(bucket, SourceKey);
        var listed = await client.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = "uploads/" });
        await client.CopyObjectAsync(new CopyObjectRequest { SourceBucket = bucket, SourceKey = SourceKey, DestinationBucket = bucket, DestinationKey = copyKey });
        using var direct = FaultTestClients.S3(s3rver, maxErrorRetry: 0);
        var copied = await ReadAllAsync(direct, new GetObjectRequest { BucketName = bucket, Key = copyKey });

        Assert.Equal(content, whole);
        Assert.Equal(HttpStatusCode.PartialContent, ranged.HttpStatusCode);
        Assert.Equal(content[1000..2000], rangeBytes);
        Assert.Equal(content.Length, head.ContentLength);
        Assert.Equal(put.ETag, head.ETag);
        var listedObject = Assert.Single(listed.S3Objects);
        Assert.Equal(SourceKey, listedObject.Key);
        Assert.Equal(content.Length, listedObject.Size);
        Assert.Equal(content, copied);
        foreach (var operation in new[] { S3OperationNames.PutObject, S3OperationNames.GetObject, S3OperationNames.GetObjectRange, S3OperationNames.HeadObject, S3OperationNames.ListObjectsV2, S3OperationNames.CopyObject })
        {
            Assert.Equal(1, proxy.Counters.For(operation).Forwarded);
        }

        Assert.Equal(0, proxy.Counters.Total.InjectedErrors);
    }

    [SkippableTheory]
    [InlineData(true, HttpStatusCode.ServiceUnavailable, "SlowDown")]
    [InlineData(false, HttpStatusCode.InternalServerError, "InternalError")]
    public async Task PutObject_WhenEveryCallIsFaulted_ShouldThrowTheServiceErrorAndStoreNothing(bool throttle, HttpStatusCode status, string errorCode)
    {
        var (s3rver, bucket) = await NewBucketAsync();
        await using var proxy = await FaultTestClients.ProxyAsync(s3rver, FaultTarget.S3, ProfileFor(throttle));
        using var client = FaultTestClients.S3(proxy.Endpoint, maxErrorRetry: 0);

        var error = await Assert.ThrowsAsync<AmazonS3Exception>(() => client.PutObjectAsync(Put(bucket, SourceKey, [1, 2, 3])));

        Assert.Equal(status, error.StatusCode);
        Assert.Equal(errorCode, error.ErrorCode);
        Assert.False(string.IsNullOrEmpty(error.RequestId));
        Assert.Equal(0, proxy.Counters.Total.Forwarded);
        using var direct = FaultTestClients.S3(s3rver, maxErrorRetry: 0);
        var listed = await direct.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket });
        Assert.Empty(listed.S3Objects ?? []);
    }

    [SkippableTheory]
    [InlineData(true, HttpStatusCode.ServiceUnavailable)]
    [InlineData(false, HttpStatusCode.InternalServerError)]
    public async Task HeadObject_WhenFaulted_ShouldThrowWithTheStatusAlone(bool throttle, HttpStatusCode status)
    {
        var (s3rver, bucket) = await NewBucketAsync();
        await using var proxy = await FaultTestClients.ProxyAsync(s3rver, FaultTarget.S3, ProfileFor(throttle));
        using var client = FaultTestClients.S3(proxy.Endpoint, maxErrorRetry: 0);

        var error = await Assert.ThrowsAsync<AmazonS3Exception>(() => client.GetObjectMetadataAsync(bucket, SourceKey));

        Assert.Equal(status, error.StatusCode);
        Assert.Equal(1, proxy.Counters.For(S3OperationNames.HeadObject).InjectedErrors);
    }

    [SkippableFact]
    public async Task SdkRetries_WhenThirtyPercentOfCallsAreFaulted_ShouldLetEveryOperationSucceed()
    {
        var (s3rver, bucket) = await NewBucketAsync();
        await using var proxy = await FaultTestClients.ProxyAsync(
            s3rver,
            FaultTarget.S3,
            new FaultProfile { ThrottleRate = 0.15, ServerErrorRate = 0.15 },
            seed: 42);

        // More retries than production's two: the point is that the SDK retries these
        // answers at all, not how often a short budget runs out at this fault rate.
        using var client = FaultTestClients.S3(proxy.Endpoint, maxErrorRetry: 10);
        const int objects = 15;

        for (var i = 0; i < objects; i++)
        {
            var content = RandomBytes(4096, seed: i);
            await client.PutObjectAsync(Put(bucket, $"uploads/{i}.dcm", content));
            Assert.Equal(content, await ReadAllAsync(client, new GetObjectRequest { BucketName = bucket, Key = $"uploads/{i}.dcm" }));
        }

        var total = proxy.Counters.Total;
        Assert.Equal(2 * objects, total.Forwarded);
        Assert.Equal(total.Requests, total.Forwarded + total.InjectedErrors);
        Assert.True(total.InjectedErrors >= 0.2 * total.Requests, $"{total.InjectedErrors} of {total.Requests} calls faulted.");
    }

    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ObjectStore_WhenS3CallsAreFaulted_ShouldThrowTransientDependencyException(bool throttle)
    {
        var (s3rver, bucket) = await NewBucketAsync();
        await using var proxy = await FaultTestClients.ProxyAsync(s3rver, FaultTarget.S3, ProfileFor(throttle));
        using var client = EmulatorResources.CreateS3Client(proxy.Endpoint);
        var store = SdkClients.CreateObjectStore(client, bucket);
        var source = new StoredObject(SourceKey, 10, "\"etag\"", VersionId: null);

        var head = await Assert.ThrowsAsync<TransientDependencyException>(() => store.GetInfoAsync(SourceKey, CancellationToken.None));
        var read = await Assert.ThrowsAsync<TransientDependencyException>(() => store.ReadRangeAsync(source, 0, 4, CancellationToken.None));
        var copy = await Assert.ThrowsAsync<TransientDependencyException>(() => store.CopyAsync(source, "imports/x.dcm", CancellationToken.None));

        foreach (var error in new[] { head, read, copy })
        {
            Assert.Equal(Dependency.S3, error.Dependency);
            Assert.Equal(throttle, error.Throttled);
        }

        Assert.Equal(throttle ? "SlowDown" : "InternalError", read.ErrorCode);

        // Production's client retried twice before giving up.
        Assert.Equal(3, proxy.Counters.For(S3OperationNames.GetObjectRange).InjectedErrors);
    }

    [SkippableFact]
    public async Task PutObject_WhenFaultedAfterForwarding_ShouldThrowAlthoughTheObjectIsStored()
    {
        var (s3rver, bucket) = await NewBucketAsync();
        await using var proxy = await FaultTestClients.ProxyAsync(s3rver, FaultTarget.S3, new FaultProfile { ServerErrorAfterForwardRate = 1 });
        using var client = FaultTestClients.S3(proxy.Endpoint, maxErrorRetry: 0);
        var content = RandomBytes(2048, seed: 5);

        var error = await Assert.ThrowsAsync<AmazonS3Exception>(() => client.PutObjectAsync(Put(bucket, SourceKey, content)));

        Assert.Equal(HttpStatusCode.InternalServerError, error.StatusCode);
        using var direct = FaultTestClients.S3(s3rver, maxErrorRetry: 0);
        Assert.Equal(content, await ReadAllAsync(direct, new GetObjectRequest { BucketName = bucket, Key = SourceKey }));
        Assert.Equal(1, proxy.Counters.For(S3OperationNames.PutObject).ServerErrorsAfterForward);
    }

    private static FaultProfile ProfileFor(bool throttle) =>
        throttle ? FaultProfile.Throttling(1) : FaultProfile.ServerErrors(1);

    private async Task<(Uri S3rver, string Bucket)> NewBucketAsync()
    {
        var s3rver = await emulators.S3Async();
        var bucket = $"uploads-{Guid.NewGuid():N}"[..30];
        using var direct = FaultTestClients.S3(s3rver, maxErrorRetry: 0);
        await EmulatorResources.CreateBucketAsync(direct, bucket, CancellationToken.None);
        return (s3rver, bucket);
    }

    // s3rver would keep aws-chunked framing in the stored bytes (toolchain notes).
    private static PutObjectRequest Put(string bucket, string key, byte[] content) =>
        new() { BucketName = bucket, Key = key, InputStream = new MemoryStream(content), UseChunkEncoding = false };

    private static async Task<byte[]> ReadAllAsync(AmazonS3Client client, GetObjectRequest request)
    {
        using var response = await client.GetObjectAsync(request);
        return await ReadStreamAsync(response.ResponseStream);
    }

    private static async Task<byte[]> ReadStreamAsync(Stream stream)
    {
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
