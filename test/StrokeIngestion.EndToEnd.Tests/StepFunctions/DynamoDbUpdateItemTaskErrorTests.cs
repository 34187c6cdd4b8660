using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using StrokeIngestion.Sandbox.Faults;
using StrokeIngestion.Sandbox.StepFunctions.Asl;
using StrokeIngestion.Sandbox.StepFunctions.Tasks;

namespace StrokeIngestion.EndToEnd.Tests.StepFunctions;

/// <summary>
/// The error names a <c>dynamodb:updateItem</c> task reports for DynamoDB's own throttling and
/// server errors (exactly as the fault proxy sends them): the names the state machine's
/// Retry lists match on.
/// </summary>
public sealed class DynamoDbUpdateItemTaskErrorTests : IClassFixture<DynaliteProcess>
{
    private readonly DynaliteProcess _dynalite;

    public DynamoDbUpdateItemTaskErrorTests(DynaliteProcess dynalite)
    {
        _dynalite = dynalite;
    }

    [SkippableTheory]
    [InlineData("server", "DynamoDB.InternalServerError")]
    [InlineData("throttle", "DynamoDB.ProvisionedThroughputExceededException")]
    public async Task InvokeAsync_WhenDynamoDbKeepsFailing_ShouldNameTheErrorTheRetryListMatches(string fault, string expected)
    {
        // Arrange: the sandbox found a 500 reported as DynamoDB.AmazonDynamoDBException, which
        // no retrier matched, ending executions FAILED instead of retrying MarkMonitorFailed.
        var direct = await _dynalite.ClientAsync();
        var profile = fault == "server" ? FaultProfile.ServerErrors(1) : FaultProfile.Throttling(1);
        await using var proxy = await FaultInjectingProxy.StartAsync(new Uri(direct.Config.ServiceURL), FaultTarget.DynamoDb, new FaultProxyOptions { Profile = profile });
        using var client = new AmazonDynamoDBClient(
            new BasicAWSCredentials("sandbox", "sandbox"),
            new AmazonDynamoDBConfig { ServiceURL = proxy.Endpoint.ToString(), AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 });
        var task = new DynamoDbUpdateItemTask(() => client);
        var parameters = new JsonObject
        {
            ["TableName"] = "stroke-detection-ai-study-metadata",
            ["Key"] = new JsonObject { ["study_id"] = new JsonObject { ["S"] = "STUDY-00000000000d" } },
            ["UpdateExpression"] = "SET #s = :s",
            ["ExpressionAttributeNames"] = new JsonObject { ["#s"] = "status" },
            ["ExpressionAttributeValues"] = new JsonObject { [":s"] = new JsonObject { ["S"] = "IMPORT_FAILED" } },
        };
        var invocation = new TaskInvocation(
            "arn:aws:states:us-east-1:000000000000:execution:m:e",
            "MarkMonitorFailed",
            new TaskResource(TaskResourceKind.DynamoDbUpdateItem, "arn:aws:states:::dynamodb:updateItem", null),
            parameters);

        // Act
        var error = await Assert.ThrowsAsync<StatesErrorException>(() => task.InvokeAsync(invocation, CancellationToken.None));

        // Assert
        Assert.Equal(expected, error.Error);
    }
}
