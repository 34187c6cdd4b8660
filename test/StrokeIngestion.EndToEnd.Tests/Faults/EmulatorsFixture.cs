using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.S3;
using StrokeIngestion.Sandbox.Emulators;
using StrokeIngestion.Sandbox.Faults;
using StrokeIngestion.Testing;

namespace StrokeIngestion.EndToEnd.Tests.Faults;

/// <summary>
/// s3rver and dynalite for one test class, each started by the first test that asks for it
/// (so a missing tool skips that test rather than failing the class) and killed on dispose.
/// </summary>
public sealed class EmulatorsFixture : IAsyncLifetime
{
    private readonly Lock _gate = new();
    private Task<NodeEmulatorProcess>? _s3;
    private Task<NodeEmulatorProcess>? _dynamoDb;

    /// <summary>s3rver's endpoint; skips the test when s3rver is not installed.</summary>
    internal async Task<Uri> S3Async()
    {
        ExternalTool.RequireNodeBin("s3rver");
        lock (_gate)
        {
            _s3 ??= NodeEmulatorProcess.StartS3Async(ExternalTool.RepoRoot, port: null, CancellationToken.None);
        }

        return (await _s3).Endpoint;
    }

    /// <summary>dynalite's endpoint; skips the test when dynalite is not installed.</summary>
    internal async Task<Uri> DynamoDbAsync()
    {
        ExternalTool.RequireNodeBin("dynalite");
        lock (_gate)
        {
            _dynamoDb ??= NodeEmulatorProcess.StartDynamoDbAsync(ExternalTool.RepoRoot, port: null, CancellationToken.None);
        }

        return (await _dynamoDb).Endpoint;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var starting in new[] { _s3, _dynamoDb })
        {
            if (starting is { IsCompletedSuccessfully: true })
            {
                await (await starting).DisposeAsync();
            }
        }
    }
}

/// <summary>SDK clients for tests, with the retry budget the test needs.</summary>
internal static class FaultTestClients
{
    public static AmazonS3Client S3(Uri endpoint, int maxErrorRetry) =>
        new(EmulatorResources.Credentials, new AmazonS3Config
        {
            ServiceURL = endpoint.ToString(),
            ForcePathStyle = true,
            AuthenticationRegion = EmulatorResources.Region,
            RetryMode = RequestRetryMode.Standard,
            MaxErrorRetry = maxErrorRetry,
            Timeout = TimeSpan.FromSeconds(30),
        });

    public static AmazonDynamoDBClient DynamoDb(Uri endpoint, int maxErrorRetry) =>
        new(EmulatorResources.Credentials, new AmazonDynamoDBConfig
        {
            ServiceURL = endpoint.ToString(),
            AuthenticationRegion = EmulatorResources.Region,
            RetryMode = RequestRetryMode.Standard,
            MaxErrorRetry = maxErrorRetry,
            Timeout = TimeSpan.FromSeconds(30),
        });

    public static Task<FaultInjectingProxy> ProxyAsync(Uri upstream, FaultTarget target, FaultProfile? profile = null, int seed = 1) =>
        FaultInjectingProxy.StartAsync(upstream, target, new FaultProxyOptions { Seed = seed, Profile = profile ?? FaultProfile.None });
}
