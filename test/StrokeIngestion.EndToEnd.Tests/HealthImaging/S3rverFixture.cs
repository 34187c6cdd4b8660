using Amazon.S3;
using Amazon.S3.Model;
using StrokeIngestion.EndToEnd.Tests.Support;
using StrokeIngestion.Sandbox.Emulators;
using StrokeIngestion.Testing;

namespace StrokeIngestion.EndToEnd.Tests.HealthImaging;

/// <summary>
/// One s3rver per test class (the sandbox's own launcher: free 127.0.0.1 port, temporary
/// directory), started by the first test that needs it — so a missing tool skips the test,
/// not the class — and stopped with its process tree on dispose.
/// </summary>
public sealed class S3rverFixture : IAsyncLifetime
{
    private readonly LazyEmulator<AmazonS3Client> _s3rver = new(
        () => NodeEmulatorProcess.StartS3Async(ExternalTool.RepoRoot, null, CancellationToken.None),
        EmulatorResources.CreateS3Client);

    /// <summary>An S3 client for the running s3rver (path-style, s3rver's fixed credentials).</summary>
    public async Task<IAmazonS3> StartAsync()
    {
        ExternalTool.RequireNodeBin("s3rver");
        return await _s3rver.ClientAsync();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _s3rver.StopAsync();

    /// <summary>Stores bytes exactly: s3rver would keep aws-chunked framing otherwise.</summary>
    public static Task PutAsync(IAmazonS3 s3, string bucket, string key, byte[] content) =>
        s3.PutObjectAsync(new PutObjectRequest
        {
            BucketName = bucket,
            Key = key,
            InputStream = new MemoryStream(content),
            UseChunkEncoding = false,
        });

    public static async Task<string> ReadTextAsync(IAmazonS3 s3, string bucket, string key)
    {
        using var response = await s3.GetObjectAsync(bucket, key);
        using var reader = new StreamReader(response.ResponseStream);
        return await reader.ReadToEndAsync();
    }
}
