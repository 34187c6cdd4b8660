using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using StrokeIngestion.Sandbox.Emulators;
using StrokeIngestion.Sandbox.StepFunctions;

namespace StrokeIngestion.EndToEnd.Tests.StepFunctions;

/// <summary><c>dynamodb:getItem</c> tasks (ReadStudyOutcome's shape) against dynalite over loopback.</summary>
public sealed class DynamoDbGetItemTaskTests : IClassFixture<DynaliteProcess>
{
    private const string TableName = "getitem-studies";

    // ReadStudyOutcome and ShapeReadyStudy as the CDK app writes them.
    private const string Definition = $$$$"""
        {"StartAt":"Read","States":{
          "Read":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:getItem",
            "Parameters":{"TableName":"{{{{TableName}}}}","Key":{"study_id":{"S.$":"$.study_id"}},"ConsistentRead":true,
              "ProjectionExpression":"#status,#image_set_id,#image_set_ids",
              "ExpressionAttributeNames":{"#status":"status","#image_set_id":"image_set_id","#image_set_ids":"image_set_ids"}},
            "ResultPath":"$.study","Next":"Found"},
          "Found":{"Type":"Choice","Choices":[{"Variable":"$.study.Item","IsPresent":true,"Next":"Shape"}],"Default":"Missing"},
          "Shape":{"Type":"Pass","Parameters":{"study_id.$":"$.study_id","image_set_id.$":"$.study.Item.image_set_id.S",
            "image_set_ids.$":"$.study.Item.image_set_ids.L[*].S","read.$":"$.study.Item"},"End":true},
          "Missing":{"Type":"Pass","End":true}}}
        """;

    private readonly DynaliteProcess _dynalite;

    public DynamoDbGetItemTaskTests(DynaliteProcess dynalite)
    {
        _dynalite = dynalite;
    }

    [SkippableFact]
    public async Task GetItem_WhenTheItemExists_ShouldReturnOnlyTheProjectedAttributesInDynamoDbJson()
    {
        // Arrange
        var client = await TableAsync();
        const string studyId = "STUDY-0000000000a1";
        await client.PutItemAsync(new PutItemRequest
        {
            TableName = TableName,
            Item = new Dictionary<string, AttributeValue>
            {
                ["study_id"] = new() { S = studyId },
                ["status"] = new() { S = "READY_FOR_ANALYSIS" },
                ["image_set_id"] = new() { S = "imgset-1" },
                ["image_set_ids"] = new() { L = [new() { S = "imgset-1" }, new() { S = "imgset-2" }] },
                ["patient_id"] = new() { S = "not-projected" },
            },
        });

        // Act
        var execution = await RunAsync(client, studyId);

        // Assert
        Assert.Equal(ExecutionStatus.Succeeded, execution.Status);
        var output = JsonNode.Parse(execution.Output ?? "null");
        Assert.Equal("imgset-1", output?["image_set_id"]?.GetValue<string>());
        Assert.Equal(["imgset-1", "imgset-2"], output?["image_set_ids"]?.AsArray().Select(n => n?.GetValue<string>()));
        Assert.Equal(
            ["image_set_id", "image_set_ids", "status"],
            output?["read"]?.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal("READY_FOR_ANALYSIS", output?["read"]?["status"]?["S"]?.GetValue<string>());
    }

    [SkippableFact]
    public async Task GetItem_WhenTheItemIsMissing_ShouldReturnNoItemKey()
    {
        // Arrange
        var client = await TableAsync();

        // Act
        var execution = await RunAsync(client, "STUDY-0000000000a2");

        // Assert: the Choice took its default, and the result carried only the metadata.
        Assert.Equal(ExecutionStatus.Succeeded, execution.Status);
        var study = JsonNode.Parse(execution.Output ?? "null")?["study"]?.AsObject();
        Assert.NotNull(study);
        Assert.False(study.ContainsKey("Item"));
        Assert.Equal(200, study["SdkHttpMetadata"]?["HttpStatusCode"]?.GetValue<int>());
    }

    [SkippableFact]
    public async Task GetItem_WhenTheTableDoesNotExist_ShouldFailWithTheIntegrationErrorName()
    {
        // Arrange
        var client = await _dynalite.ClientAsync();

        // Act
        var execution = await RunAsync(client, "STUDY-0000000000a3", Definition.Replace(TableName, "no-such-table", StringComparison.Ordinal));

        // Assert
        Assert.Equal(ExecutionStatus.Failed, execution.Status);
        Assert.Equal("DynamoDB.ResourceNotFoundException", execution.Error);
    }

    private static async Task<ExecutionSnapshot> RunAsync(IAmazonDynamoDB client, string studyId, string definition = Definition)
    {
        await using var emulator = new StepFunctionsEmulator(new StepFunctionsEmulatorOptions { TimeScale = 0 });
        emulator.UseDynamoDb(client);
        var arn = emulator.RegisterStateMachine("getitem", definition, "arn:aws:iam::000000000000:role/sfn");
        var started = emulator.StartExecution(arn, "run-" + studyId, new JsonObject { ["study_id"] = studyId }.ToJsonString());
        Assert.Null(started.Error);
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        return await emulator.WaitForCompletionAsync(started.Value?.ExecutionArn ?? string.Empty, guard.Token);
    }

    private async Task<IAmazonDynamoDB> TableAsync()
    {
        var client = await _dynalite.ClientAsync();
        var tables = await client.ListTablesAsync();
        if (tables.TableNames?.Contains(TableName) != true)
        {
            // CreateTable answers before the table is ACTIVE; a write in between is refused.
            await EmulatorResources.CreateTableAsync(
                client,
                new TableDefinition(TableName, new KeyAttribute("study_id", "S"), SortKey: null, GlobalSecondaryIndexes: []),
                CancellationToken.None);
        }

        return client;
    }
}
