using Amazon.DynamoDBv2;
using Amazon.S3;
using StrokeIngestion.Sandbox.Emulators;
using StrokeIngestion.Testing;

namespace StrokeIngestion.Core.Tests.Aws;

/// <summary>
/// One s3rver process per test class, with one bucket. When `npm ci` has not run the
/// process is not started; tests call <see cref="Require"/>, which skips them (or fails them
/// under STROKE_REQUIRE_TOOLS=1).
/// </summary>
public sealed class S3EmulatorFixture : IAsyncLifetime
{
    public const string BucketName = "stroke-test-uploads";

    private NodeEmulatorProcess? _emulator;
    private AmazonS3Client? _client;

    internal NodeEmulatorProcess Emulator => _emulator ?? throw new InvalidOperationException("s3rver is not running.");

    internal AmazonS3Client Client => _client ?? throw new InvalidOperationException("s3rver is not running.");

    /// <summary>Skips the calling test when s3rver is not installed.</summary>
    public void Require()
    {
        ExternalTool.RequireNodeBin("s3rver");
        _ = Emulator;
    }

    public async Task InitializeAsync()
    {
        if (!NodeBinExists("s3rver"))
        {
            return;
        }

        _emulator = await NodeEmulatorProcess.StartS3Async(ExternalTool.RepoRoot, port: null, CancellationToken.None);
        _client = EmulatorResources.CreateS3Client(_emulator.Endpoint);
        await EmulatorResources.CreateBucketAsync(_client, BucketName, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_emulator is not null)
        {
            await _emulator.DisposeAsync();
        }
    }

    internal static bool NodeBinExists(string name) =>
        File.Exists(Path.Combine(ExternalTool.RepoRoot, "node_modules", ".bin", name));
}

/// <summary>
/// One dynalite process per test class, with the study table created as the stack defines it
/// (PK <c>study_id</c>; GSI <c>patient-index</c> on <c>patient_id</c> + <c>upload_timestamp</c>).
/// </summary>
public sealed class DynamoDbEmulatorFixture : IAsyncLifetime
{
    public const string TableName = "stroke-test-study-metadata";
    public const string PatientIndexName = "patient-index";

    private NodeEmulatorProcess? _emulator;
    private AmazonDynamoDBClient? _client;

    internal static TableDefinition StudyTable { get; } = new(
        TableName,
        new KeyAttribute("study_id", "S"),
        SortKey: null,
        [new IndexDefinition(PatientIndexName, new KeyAttribute("patient_id", "S"), new KeyAttribute("upload_timestamp", "S"))]);

    internal NodeEmulatorProcess Emulator => _emulator ?? throw new InvalidOperationException("dynalite is not running.");

    internal AmazonDynamoDBClient Client => _client ?? throw new InvalidOperationException("dynalite is not running.");

    /// <summary>Skips the calling test when dynalite is not installed.</summary>
    public void Require()
    {
        ExternalTool.RequireNodeBin("dynalite");
        _ = Emulator;
    }

    public async Task InitializeAsync()
    {
        if (!S3EmulatorFixture.NodeBinExists("dynalite"))
        {
            return;
        }

        _emulator = await NodeEmulatorProcess.StartDynamoDbAsync(ExternalTool.RepoRoot, port: null, CancellationToken.None);
        _client = EmulatorResources.CreateDynamoDbClient(_emulator.Endpoint);
        await EmulatorResources.CreateTableAsync(_client, StudyTable, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_emulator is not null)
        {
            await _emulator.DisposeAsync();
        }
    }
}
