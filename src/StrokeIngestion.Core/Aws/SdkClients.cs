using Amazon;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.SQS;
using StrokeIngestion.Core.Aws.DynamoDb;
using StrokeIngestion.Core.Aws.S3;
using StrokeIngestion.Core.Aws.Sqs;
using StrokeIngestion.Core.Ports;

namespace StrokeIngestion.Core.Aws;

/// <summary>
/// Builds the SDK-backed ports. Call once per container (composition root) and keep the
/// result: each call creates a client with its own connection pool.
/// </summary>
/// <remarks>
/// The SDK retries twice (standard mode) on its own; callers add their own retries on
/// <see cref="Errors.TransientDependencyException"/>, so a larger budget here would multiply
/// with theirs. Without an endpoint, the region's public endpoint and the default credential
/// chain are used (in Lambda: the function role's credentials from the environment).
/// </remarks>
public static class SdkClients
{
    private const int SdkMaxErrorRetry = 2;

    // CopyObject keeps the connection open for the whole server-side copy, so S3 gets a
    // longer budget than the table, whose calls answer in milliseconds.
    private static readonly TimeSpan S3Timeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan DynamoDbTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(3);

    /// <summary>An object store over <paramref name="bucketName"/>.</summary>
    /// <param name="bucketName">The upload bucket.</param>
    /// <param name="region">The AWS region (e.g. <c>eu-west-1</c>); also the signing region with an endpoint override.</param>
    /// <param name="endpoint">An S3-compatible endpoint (local emulator) or null for AWS; path-style addressing is used with it.</param>
    public static IObjectStore CreateObjectStore(string bucketName, string region, Uri? endpoint) =>
        CreateObjectStore(CreateS3Client(region, endpoint, credentials: null), bucketName);

    /// <summary>A study store over <paramref name="tableName"/>.</summary>
    /// <param name="tableName">The study table.</param>
    /// <param name="region">The AWS region; also the signing region with an endpoint override.</param>
    /// <param name="endpoint">A DynamoDB-compatible endpoint (local emulator) or null for AWS.</param>
    public static IStudyStore CreateStudyStore(string tableName, string region, Uri? endpoint) =>
        CreateStudyStore(CreateDynamoDbClient(region, endpoint, credentials: null), tableName);

    /// <summary>
    /// Both ports of the study table over one client (one connection pool): the study store
    /// and the import-event store the monitor needs beside it.
    /// </summary>
    /// <param name="tableName">The study table.</param>
    /// <param name="region">The AWS region; also the signing region with an endpoint override.</param>
    /// <param name="endpoint">A DynamoDB-compatible endpoint (local emulator) or null for AWS.</param>
    public static StudyTablePorts CreateStudyTable(string tableName, string region, Uri? endpoint)
    {
        var store = new DynamoDbStudyStore(CreateDynamoDbClient(region, endpoint, credentials: null), tableName);
        return new StudyTablePorts(store, store);
    }

    /// <summary>The admission ledger, a reserved item of the study table.</summary>
    /// <param name="tableName">The study table.</param>
    /// <param name="region">The AWS region; also the signing region with an endpoint override.</param>
    /// <param name="endpoint">A DynamoDB-compatible endpoint (local emulator) or null for AWS.</param>
    public static IAdmissionLedgerStore CreateAdmissionLedgerStore(string tableName, string region, Uri? endpoint) =>
        CreateAdmissionLedgerStore(CreateDynamoDbClient(region, endpoint, credentials: null), tableName);

    /// <summary>The import queues: one SQS queue per priority.</summary>
    /// <param name="urgentQueueUrl">The urgent queue's URL.</param>
    /// <param name="routineQueueUrl">The routine queue's URL.</param>
    /// <param name="region">The AWS region; also the signing region with an endpoint override.</param>
    /// <param name="endpoint">An SQS-compatible endpoint (local emulator) or null for AWS.</param>
    public static IImportBacklog CreateImportBacklog(string urgentQueueUrl, string routineQueueUrl, string region, Uri? endpoint) =>
        CreateImportBacklog(CreateSqsClient(region, endpoint, credentials: null), urgentQueueUrl, routineQueueUrl);

    internal static IImportBacklog CreateImportBacklog(IAmazonSQS client, string urgentQueueUrl, string routineQueueUrl) =>
        new SqsImportBacklog(client, urgentQueueUrl, routineQueueUrl);

    internal static IAdmissionLedgerStore CreateAdmissionLedgerStore(IAmazonDynamoDB client, string tableName) =>
        new DynamoDbAdmissionLedgerStore(client, tableName);

    internal static IObjectStore CreateObjectStore(IAmazonS3 client, string bucketName) =>
        new S3ObjectStore(client, bucketName);

    internal static IStudyStore CreateStudyStore(IAmazonDynamoDB client, string tableName) =>
        new DynamoDbStudyStore(client, tableName);

    /// <param name="credentials">Explicit credentials (emulators), or null for the default chain.</param>
    internal static AmazonS3Client CreateS3Client(string region, Uri? endpoint, AWSCredentials? credentials)
    {
        var config = new AmazonS3Config();
        Configure(config, region, endpoint, S3Timeout);
        if (endpoint is not null)
        {
            // Emulators answer on one host and cannot resolve bucket sub-domains.
            config.ForcePathStyle = true;
        }

        return credentials is null ? new AmazonS3Client(config) : new AmazonS3Client(credentials, config);
    }

    /// <param name="credentials">Explicit credentials (emulators), or null for the default chain.</param>
    internal static AmazonDynamoDBClient CreateDynamoDbClient(string region, Uri? endpoint, AWSCredentials? credentials)
    {
        var config = new AmazonDynamoDBConfig();
        Configure(config, region, endpoint, DynamoDbTimeout);
        return credentials is null ? new AmazonDynamoDBClient(config) : new AmazonDynamoDBClient(credentials, config);
    }

    /// <param name="credentials">Explicit credentials (emulators), or null for the default chain.</param>
    internal static AmazonSQSClient CreateSqsClient(string region, Uri? endpoint, AWSCredentials? credentials)
    {
        var config = new AmazonSQSConfig();
        Configure(config, region, endpoint, DynamoDbTimeout);
        return credentials is null ? new AmazonSQSClient(config) : new AmazonSQSClient(credentials, config);
    }

    private static void Configure(ClientConfig config, string region, Uri? endpoint, TimeSpan timeout)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(region);
        config.RetryMode = RequestRetryMode.Standard;
        config.MaxErrorRetry = SdkMaxErrorRetry;
        config.Timeout = timeout;
        config.ConnectTimeout = ConnectTimeout;
        if (endpoint is null)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region);
        }
        else
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = region;
        }
    }
}

/// <summary>The ports one study table serves.</summary>
public sealed record StudyTablePorts(IStudyStore Studies, IImportEventStore ImportEvents);
