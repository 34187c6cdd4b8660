using Amazon.DynamoDBv2;
using Amazon.Runtime;
using StrokeIngestion.EndToEnd.Tests.Support;
using StrokeIngestion.Sandbox.Emulators;
using StrokeIngestion.Testing;

namespace StrokeIngestion.EndToEnd.Tests.StepFunctions;

/// <summary>
/// dynalite on a free 127.0.0.1 port (the sandbox's own launcher), started on first use and
/// stopped with its process tree when the test class is done.
/// </summary>
public sealed class DynaliteProcess : IAsyncLifetime
{
    private readonly LazyEmulator<AmazonDynamoDBClient> _dynalite = new(
        () => NodeEmulatorProcess.StartDynamoDbAsync(ExternalTool.RepoRoot, null, CancellationToken.None),
        endpoint => new AmazonDynamoDBClient(
            new BasicAWSCredentials("sandbox", "sandbox"),
            new AmazonDynamoDBConfig { ServiceURL = endpoint.ToString(), AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 }));

    /// <summary>A client for the running dynalite (no SDK retries); skips the test when dynalite is not installed.</summary>
    public async Task<IAmazonDynamoDB> ClientAsync()
    {
        ExternalTool.RequireNodeBin("dynalite");
        return await _dynalite.ClientAsync();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _dynalite.StopAsync();
}
