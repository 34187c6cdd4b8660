using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using static StrokeIngestion.Sandbox.StepFunctions.Tasks.DynamoDbTaskCalls;

namespace StrokeIngestion.Sandbox.StepFunctions.Tasks;

/// <summary>
/// <c>arn:aws:states:::dynamodb:updateItem</c> against a DynamoDB endpoint (dynalite in the
/// sandbox). Errors are named as the optimized integration names them: <c>DynamoDB.</c> + the
/// error code DynamoDB answered for its modelled errors (<c>DynamoDB.ConditionalCheckFailedException</c>,
/// <c>DynamoDB.ResourceNotFoundException</c>, <c>DynamoDB.InternalServerError</c> …),
/// <c>DynamoDB.AmazonDynamoDBException</c> for other service errors and
/// <c>DynamoDB.SdkClientException</c> when the endpoint cannot be reached.
/// </summary>
internal sealed class DynamoDbUpdateItemTask : ITaskIntegration
{
    private const string Operation = "UpdateItem";

    private readonly Func<IAmazonDynamoDB?> _client;

    public DynamoDbUpdateItemTask(Func<IAmazonDynamoDB?> client)
    {
        _client = client;
    }

    public async Task<JsonNode?> InvokeAsync(TaskInvocation invocation, CancellationToken cancellationToken)
    {
        var client = Client(_client, invocation);
        var request = ToRequest(invocation.Parameters as JsonObject ?? []);
        var response = await CallAsync(ct => client.UpdateItemAsync(request, ct), cancellationToken);

        var result = new JsonObject();
        if (response.Attributes is { Count: > 0 } attributes)
        {
            result["Attributes"] = AttributeValueJson.FromAttributeMap(attributes);
        }

        return WithMetadata(result, response);
    }

    private static UpdateItemRequest ToRequest(JsonObject parameters)
    {
        var request = new UpdateItemRequest
        {
            TableName = String(parameters, "TableName", Operation),
            Key = AttributeValueJson.ToAttributeMap(parameters["Key"], "Key"),
            UpdateExpression = OptionalString(parameters, "UpdateExpression", Operation),
            ConditionExpression = OptionalString(parameters, "ConditionExpression", Operation),
        };

        if (ExpressionAttributeNames(parameters) is { } names)
        {
            request.ExpressionAttributeNames = names;
        }

        if (parameters.ContainsKey("ExpressionAttributeValues"))
        {
            request.ExpressionAttributeValues = AttributeValueJson.ToAttributeMap(parameters["ExpressionAttributeValues"], "ExpressionAttributeValues");
        }

        if (OptionalString(parameters, "ReturnValues", Operation) is { } returnValues)
        {
            request.ReturnValues = ReturnValue.FindValue(returnValues);
        }

        if (OptionalString(parameters, "ReturnConsumedCapacity", Operation) is { } capacity)
        {
            request.ReturnConsumedCapacity = ReturnConsumedCapacity.FindValue(capacity);
        }

        if (OptionalString(parameters, "ReturnItemCollectionMetrics", Operation) is { } metrics)
        {
            request.ReturnItemCollectionMetrics = ReturnItemCollectionMetrics.FindValue(metrics);
        }

        if (OptionalString(parameters, "ReturnValuesOnConditionCheckFailure", Operation) is { } onFailure)
        {
            request.ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.FindValue(onFailure);
        }

        return request;
    }
}
