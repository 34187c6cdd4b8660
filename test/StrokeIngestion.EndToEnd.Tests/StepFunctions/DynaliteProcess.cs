using Amazon.DynamoDBv2;
using Amazon.Runtime;
using StrokeIngestion.Sandbox.Emulators;
using StrokeIngestion.Testing;

namespace StrokeIngestion.EndToEnd.Tests.StepFunctions;

/// <summary>
/// dynalite on a free 127.0.0.1 port (the sandbox's own launcher), started on first use and
/// stopped with its process tree when the test class is done.
/// </summary>
public sealed class DynaliteProcess : IAsyncLifetime
{
    private readonly Lock _startGate = new();
    private Task<(NodeEmulatorProcess Process, AmazonDynamoDBClient Client)>? _starting;

    /// <summary>A client for the running dynalite (no SDK retries); skips the test when dynalite is not installed.</summary>
    public async Task<IAmazonDynamoDB> ClientAsync()
    {
        ExternalTool.RequireNodeBin("dynalite");
        lock (_startGate)
        {
            _starting ??= LaunchAsync();
        }

        return (await _starting).Client;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_starting is { IsCompletedSuccessfully: true })
        {
            var (process, client) = await _starting;
            client.Dispose();
            await process.DisposeAsync();
        }
    }

    private static async Task<(NodeEmulatorProcess, AmazonDynamoDBClient)> LaunchAsync()
    {
        var process = await NodeEmulatorProcess.StartDynamoDbAsync(ExternalTool.RepoRoot, null, CancellationToken.None);
        var client = new AmazonDynamoDBClient(
            new BasicAWSCredentials("sandbox", "sandbox"),
            new AmazonDynamoDBConfig { ServiceURL = process.Endpoint.ToString(), AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });
        return (process, client);
    }
}
