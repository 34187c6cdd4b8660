using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using static StrokeIngestion.Sandbox.StepFunctions.Tasks.DynamoDbTaskCalls;

namespace StrokeIngestion.Sandbox.StepFunctions.Tasks;

/// <summary>
/// <c>arn:aws:states:::dynamodb:getItem</c> against a DynamoDB endpoint (dynalite in the
/// sandbox). The result is <c>{"Item": {…}}</c> in DynamoDB JSON plus the response metadata;
/// a missing item has no <c>Item</c> key, as in AWS. Errors are named as for UpdateItem.
/// </summary>
internal sealed class DynamoDbGetItemTask : ITaskIntegration
{
    private const string Operation = "GetItem";

    private readonly Func<IAmazonDynamoDB?> _client;

    public DynamoDbGetItemTask(Func<IAmazonDynamoDB?> client)
    {
        _client = client;
    }

    public async Task<JsonNode?> InvokeAsync(TaskInvocation invocation, CancellationToken cancellationToken)
    {
        var client = Client(_client, invocation);
        var request = ToRequest(invocation.Parameters as JsonObject ?? []);
        var response = await CallAsync(ct => client.GetItemAsync(request, ct), cancellationToken);

        var result = new JsonObject();
        // The SDK leaves Item null when DynamoDB sent none; a projection matching nothing on an
        // existing item still sends (and returns) an empty Item.
        if (response.Item is { } item)
        {
            result["Item"] = AttributeValueJson.FromAttributeMap(item);
        }

        return WithMetadata(result, response);
    }

    private static GetItemRequest ToRequest(JsonObject parameters)
    {
        var request = new GetItemRequest
        {
            TableName = String(parameters, "TableName", Operation),
            Key = AttributeValueJson.ToAttributeMap(parameters["Key"], "Key"),
            ProjectionExpression = OptionalString(parameters, "ProjectionExpression", Operation),
        };

        if (OptionalBoolean(parameters, "ConsistentRead", Operation) is { } consistentRead)
        {
            request.ConsistentRead = consistentRead;
        }

        if (ExpressionAttributeNames(parameters) is { } names)
        {
            request.ExpressionAttributeNames = names;
        }

        if (OptionalString(parameters, "ReturnConsumedCapacity", Operation) is { } capacity)
        {
            request.ReturnConsumedCapacity = ReturnConsumedCapacity.FindValue(capacity);
        }

        return request;
    }
}
