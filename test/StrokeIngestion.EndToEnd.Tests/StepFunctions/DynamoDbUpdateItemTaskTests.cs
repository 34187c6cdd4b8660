using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using StrokeIngestion.Sandbox.Emulators;
using StrokeIngestion.Sandbox.StepFunctions;

namespace StrokeIngestion.EndToEnd.Tests.StepFunctions;

/// <summary><c>dynamodb:updateItem</c> tasks of the contract machine against dynalite over loopback.</summary>
public sealed class DynamoDbUpdateItemTaskTests : IClassFixture<DynaliteProcess>
{
    private readonly DynaliteProcess _dynalite;

    public DynamoDbUpdateItemTaskTests(DynaliteProcess dynalite)
    {
        _dynalite = dynalite;
    }

    [SkippableFact]
    public async Task MarkTimedOut_WhenTheStudyIsImporting_ShouldWriteTheTimedOutStatusReasonAndTime()
    {
        // Arrange
        var client = await StudyTableAsync();
        const string studyId = "STUDY-00000000000a";
        await PutStudyAsync(client, studyId, "IMPORTING");
        await using var harness = ContractHarness.Create();
        harness.Emulator.UseDynamoDb(client);
        harness.Monitor.Otherwise(MonitorReply.InProgress);

        // Act
        var execution = await harness.RunAsync(studyId: studyId);

        // Assert
        Assert.Equal(ExecutionStatus.Failed, execution.Status);
        Assert.Equal("ImportTimedOut", execution.Error);
        var item = await GetStudyAsync(client, studyId);
        Assert.Equal("IMPORT_TIMED_OUT", item["status"].S);
        Assert.Equal("import_timed_out", item["failure_reason"].S);
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", item["updated_at"].S);
        Assert.Equal("CT", item["modality"].S);
    }

    [SkippableFact]
    public async Task MarkMonitorFailed_WhenTheStudyIsAlreadyReady_ShouldLeaveItAloneAndEndMonitorFailed()
    {
        // Arrange
        var client = await StudyTableAsync();
        const string studyId = "STUDY-00000000000b";
        await PutStudyAsync(client, studyId, "READY_FOR_ANALYSIS");
        await using var harness = ContractHarness.Create();
        harness.Emulator.UseDynamoDb(client);
        harness.Monitor.ThenThrow(new InvalidOperationException("monitor bug"));

        // Act
        var execution = await harness.RunAsync(studyId: studyId);

        // Assert
        Assert.Equal(ExecutionStatus.Failed, execution.Status);
        Assert.Equal("MonitorFailed", execution.Error);
        var item = await GetStudyAsync(client, studyId);
        Assert.Equal("READY_FOR_ANALYSIS", item["status"].S);
        Assert.False(item.ContainsKey("failure_reason"));
    }

    [SkippableFact]
    public async Task UpdateItem_WhenTheTableDoesNotExist_ShouldFailWithTheIntegrationErrorName()
    {
        // Arrange
        var client = await _dynalite.ClientAsync();
        var definition = ContractDefinition.Build();
        var parameters = definition["States"]?["MarkMonitorFailed"]?["Parameters"]?.AsObject()
            ?? throw new InvalidOperationException("The contract definition changed shape.");
        parameters["TableName"] = "no-such-table";
        await using var harness = ContractHarness.Create(definition: definition);
        harness.Emulator.UseDynamoDb(client);
        harness.Monitor.ThenThrow(new InvalidOperationException("monitor bug"));

        // Act
        var execution = await harness.RunAsync();

        // Assert
        Assert.Equal(ExecutionStatus.Failed, execution.Status);
        Assert.Equal("DynamoDB.ResourceNotFoundException", execution.Error);
        Assert.Contains("Service: AmazonDynamoDBv2; Status Code: 400; Error Code: ResourceNotFoundException", execution.Cause, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task UpdateItem_WhenValuesOfEveryTypeAreWrittenAndReturned_ShouldConvertBothWays()
    {
        // Arrange
        var client = await StudyTableAsync();
        const string definition = """
            {"StartAt":"Write","States":{"Write":{"Type":"Task","Resource":"arn:aws:states:::dynamodb:updateItem",
              "Parameters":{"TableName":"stroke-detection-ai-study-metadata","Key":{"study_id":{"S.$":"$.id"}},
                "UpdateExpression":"SET file_count = :n, accepted = :b, series = :l, counts = :m, note = :null, tags = :ss",
                "ExpressionAttributeValues":{":n":{"N.$":"$.count"},":b":{"BOOL":true},":l":{"L":[{"S":"1.2.3"},{"S":"1.2.4"}]},
                  ":m":{"M":{"scanned":{"N":"3"}}},":null":{"NULL":true},":ss":{"SS":["a","b"]}},
                "ReturnValues":"ALL_NEW"},
              "ResultSelector":{"attributes.$":"$.Attributes"},"End":true}}}
            """;
        await using var emulator = new StepFunctionsEmulator(new StepFunctionsEmulatorOptions { TimeScale = 0 });
        emulator.UseDynamoDb(client);
        var arn = emulator.RegisterStateMachine("types", definition);
        var started = emulator.StartExecution(arn, "types-1", """{"id":"STUDY-00000000000c","count":"12"}""");
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        // Act
        var execution = await emulator.WaitForCompletionAsync(started.Value?.ExecutionArn ?? string.Empty, guard.Token);

        // Assert
        Assert.True(execution.Status == ExecutionStatus.Succeeded, $"{execution.Status}: {execution.Error}: {execution.Cause}");
        var attributes = JsonNode.Parse(execution.Output ?? "null")?["attributes"];
        Assert.Equal("12", attributes?["file_count"]?["N"]?.GetValue<string>());
        Assert.True(attributes?["accepted"]?["BOOL"]?.GetValue<bool>());
        Assert.Equal("1.2.4", attributes?["series"]?["L"]?[1]?["S"]?.GetValue<string>());
        Assert.Equal("3", attributes?["counts"]?["M"]?["scanned"]?["N"]?.GetValue<string>());
        Assert.True(attributes?["note"]?["NULL"]?.GetValue<bool>());
        Assert.Equal(2, attributes?["tags"]?["SS"]?.AsArray().Count);
        var item = await GetStudyAsync(client, "STUDY-00000000000c");
        Assert.Equal("12", item["file_count"].N);
        Assert.Equal(["1.2.3", "1.2.4"], item["series"].L.Select(v => v.S));
    }

    private async Task<IAmazonDynamoDB> StudyTableAsync()
    {
        var client = await _dynalite.ClientAsync();
        var tables = await client.ListTablesAsync();
        if (tables.TableNames?.Contains(CdkStyleTemplate.TableName) != true)
        {
            // CreateTable answers before the table is ACTIVE; a write in between is refused.
            await EmulatorResources.CreateTableAsync(
                client,
                new TableDefinition(CdkStyleTemplate.TableName, new KeyAttribute("study_id", "S"), SortKey: null, GlobalSecondaryIndexes: []),
                CancellationToken.None);
        }

        return client;
    }

    private static async Task PutStudyAsync(IAmazonDynamoDB client, string studyId, string status) =>
        await client.PutItemAsync(new PutItemRequest
        {
            TableName = CdkStyleTemplate.TableName,
            Item = new Dictionary<string, AttributeValue>
            {
                ["study_id"] = new() { S = studyId },
                ["status"] = new() { S = status },
                ["modality"] = new() { S = "CT" },
            },
        });

    private static async Task<Dictionary<string, AttributeValue>> GetStudyAsync(IAmazonDynamoDB client, string studyId)
    {
        var response = await client.GetItemAsync(new GetItemRequest
        {
            TableName = CdkStyleTemplate.TableName,
            Key = new Dictionary<string, AttributeValue> { ["study_id"] = new() { S = studyId } },
            ConsistentRead = true,
        });
        return response.Item ?? throw new InvalidOperationException($"No item for {studyId}.");
    }
}
