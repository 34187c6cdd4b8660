using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using StrokeIngestion.Core.Aws;

namespace StrokeIngestion.Sandbox.Emulators;

/// <summary>Clients for the local emulators and the bucket and table the stack would create.</summary>
internal static class EmulatorResources
{
    /// <summary>The region clients sign for; the emulators accept any.</summary>
    public const string Region = "us-east-1";

    private static readonly TimeSpan TableActiveTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The credentials the emulators accept (s3rver insists on its own pair).</summary>
    public static AWSCredentials Credentials { get; } =
        new BasicAWSCredentials(NodeEmulatorProcess.AccessKeyId, NodeEmulatorProcess.SecretAccessKey);

    /// <summary>An S3 client configured exactly as production builds it, pointed at <paramref name="endpoint"/>.</summary>
    public static AmazonS3Client CreateS3Client(Uri endpoint) =>
        SdkClients.CreateS3Client(Region, endpoint, Credentials);

    /// <summary>A DynamoDB client configured exactly as production builds it, pointed at <paramref name="endpoint"/>.</summary>
    public static AmazonDynamoDBClient CreateDynamoDbClient(Uri endpoint) =>
        SdkClients.CreateDynamoDbClient(Region, endpoint, Credentials);

    /// <summary>An SQS client configured exactly as production builds it, pointed at <paramref name="endpoint"/>.</summary>
    public static Amazon.SQS.AmazonSQSClient CreateSqsClient(Uri endpoint) =>
        SdkClients.CreateSqsClient(Region, endpoint, Credentials);

    /// <summary>Creates the bucket; one that already exists (and is ours) is fine.</summary>
    public static async Task CreateBucketAsync(IAmazonS3 s3, string bucketName, CancellationToken cancellationToken)
    {
        try
        {
            await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucketName }, cancellationToken);
        }
        catch (AmazonS3Exception error) when (error.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
        {
        }
    }

    /// <summary>Creates the table with on-demand billing and waits until it is ACTIVE.</summary>
    public static async Task CreateTableAsync(IAmazonDynamoDB dynamoDb, TableDefinition table, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(table);
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        var request = new CreateTableRequest
        {
            TableName = table.Name,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            KeySchema = KeySchema(table.PartitionKey, table.SortKey, attributes),
        };

        if (table.GlobalSecondaryIndexes.Count > 0)
        {
            request.GlobalSecondaryIndexes =
            [
                .. table.GlobalSecondaryIndexes.Select(index => new GlobalSecondaryIndex
                {
                    IndexName = index.Name,
                    KeySchema = KeySchema(index.PartitionKey, index.SortKey, attributes),
                    Projection = new Projection { ProjectionType = new ProjectionType(index.ProjectionType) },
                }),
            ];
        }

        request.AttributeDefinitions =
        [
            .. attributes.Select(a => new AttributeDefinition { AttributeName = a.Key, AttributeType = new ScalarAttributeType(a.Value) }),
        ];

        await dynamoDb.CreateTableAsync(request, cancellationToken);
        await WaitUntilActiveAsync(dynamoDb, table.Name, cancellationToken);
    }

    private static List<KeySchemaElement> KeySchema(KeyAttribute partitionKey, KeyAttribute? sortKey, Dictionary<string, string> attributes)
    {
        var schema = new List<KeySchemaElement> { Element(partitionKey, KeyType.HASH, attributes) };
        if (sortKey is not null)
        {
            schema.Add(Element(sortKey, KeyType.RANGE, attributes));
        }

        return schema;
    }

    private static KeySchemaElement Element(KeyAttribute key, KeyType keyType, Dictionary<string, string> attributes)
    {
        if (attributes.TryGetValue(key.Name, out var type) && type != key.Type)
        {
            throw new ArgumentException($"Key attribute '{key.Name}' is declared as both {type} and {key.Type}.");
        }

        attributes[key.Name] = key.Type;
        return new KeySchemaElement { AttributeName = key.Name, KeyType = keyType };
    }

    private static async Task WaitUntilActiveAsync(IAmazonDynamoDB dynamoDb, string tableName, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TableActiveTimeout);
        try
        {
            while (true)
            {
                var description = await dynamoDb.DescribeTableAsync(new DescribeTableRequest { TableName = tableName }, deadline.Token);
                var indexes = description.Table.GlobalSecondaryIndexes ?? [];
                if (description.Table.TableStatus == TableStatus.ACTIVE && indexes.All(i => i.IndexStatus == IndexStatus.ACTIVE))
                {
                    return;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(50), deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Table '{tableName}' did not become ACTIVE within {TableActiveTimeout.TotalSeconds:0} s.");
        }
    }
}
