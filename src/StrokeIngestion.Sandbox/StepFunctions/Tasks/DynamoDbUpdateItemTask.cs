using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using Amazon.Runtime;
using StrokeIngestion.Sandbox.StepFunctions.Asl;

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
    private static readonly HashSet<string> ModelledErrors = new(StringComparer.Ordinal)
    {
        "ConditionalCheckFailedException",
        "ResourceNotFoundException",
        "ProvisionedThroughputExceededException",
        "ItemCollectionSizeLimitExceededException",
        "TransactionConflictException",
        "RequestLimitExceeded",

        // The code DynamoDB sends with a 500 (its exception shape is InternalServerError).
        "InternalServerError",
    };

    private readonly Func<IAmazonDynamoDB?> _client;

    public DynamoDbUpdateItemTask(Func<IAmazonDynamoDB?> client)
    {
        _client = client;
    }

    public async Task<JsonNode?> InvokeAsync(TaskInvocation invocation, CancellationToken cancellationToken)
    {
        var client = _client() ?? throw new StatesErrorException(
            StatesErrors.Runtime,
            $"State '{invocation.StateName}' updates DynamoDB but the sandbox has no DynamoDB client: call StepFunctionsEmulator.UseDynamoDb.");
        var request = ToRequest(invocation.Parameters as JsonObject ?? []);

        UpdateItemResponse response;
        try
        {
            response = await client.UpdateItemAsync(request, cancellationToken);
        }
        catch (AmazonServiceException ex) when (ex.StatusCode != 0)
        {
            var code = ex.ErrorCode ?? "Unknown";
            var error = ModelledErrors.Contains(code) ? "DynamoDB." + code : "DynamoDB.AmazonDynamoDBException";
            throw new StatesErrorException(
                error,
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"{ex.Message} (Service: AmazonDynamoDBv2; Status Code: {(int)ex.StatusCode}; Error Code: {code}; Request ID: {ex.RequestId}; Proxy: null)"),
                ex);
        }
        catch (Exception ex) when (ex is AmazonClientException or AmazonServiceException or HttpRequestException or IOException
            || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw new StatesErrorException("DynamoDB.SdkClientException", $"Unable to execute HTTP request: {ex.Message}", ex);
        }

        var result = new JsonObject();
        if (response.Attributes is { Count: > 0 } attributes)
        {
            result["Attributes"] = AttributeValueJson.FromAttributeMap(attributes);
        }

        result["SdkHttpMetadata"] = new JsonObject { ["HttpStatusCode"] = (int)response.HttpStatusCode };
        result["SdkResponseMetadata"] = new JsonObject { ["RequestId"] = response.ResponseMetadata?.RequestId };
        return result;
    }

    private static UpdateItemRequest ToRequest(JsonObject parameters)
    {
        var request = new UpdateItemRequest
        {
            TableName = String(parameters, "TableName"),
            Key = AttributeValueJson.ToAttributeMap(parameters["Key"], "Key"),
            UpdateExpression = OptionalString(parameters, "UpdateExpression"),
            ConditionExpression = OptionalString(parameters, "ConditionExpression"),
        };

        if (parameters["ExpressionAttributeNames"] is JsonObject names)
        {
            request.ExpressionAttributeNames = names.ToDictionary(
                p => p.Key,
                p => p.Value is JsonValue v && v.GetValueKind() == JsonValueKind.String
                    ? v.GetValue<string>()
                    : throw new StatesErrorException(StatesErrors.Runtime, $"ExpressionAttributeNames.{p.Key} must be a string."),
                StringComparer.Ordinal);
        }

        if (parameters.ContainsKey("ExpressionAttributeValues"))
        {
            request.ExpressionAttributeValues = AttributeValueJson.ToAttributeMap(parameters["ExpressionAttributeValues"], "ExpressionAttributeValues");
        }

        if (OptionalString(parameters, "ReturnValues") is { } returnValues)
        {
            request.ReturnValues = ReturnValue.FindValue(returnValues);
        }

        if (OptionalString(parameters, "ReturnConsumedCapacity") is { } capacity)
        {
            request.ReturnConsumedCapacity = ReturnConsumedCapacity.FindValue(capacity);
        }

        if (OptionalString(parameters, "ReturnItemCollectionMetrics") is { } metrics)
        {
            request.ReturnItemCollectionMetrics = ReturnItemCollectionMetrics.FindValue(metrics);
        }

        if (OptionalString(parameters, "ReturnValuesOnConditionCheckFailure") is { } onFailure)
        {
            request.ReturnValuesOnConditionCheckFailure = ReturnValuesOnConditionCheckFailure.FindValue(onFailure);
        }

        return request;
    }

    private static string String(JsonObject parameters, string field) =>
        OptionalString(parameters, field)
            ?? throw new StatesErrorException(StatesErrors.Runtime, $"The DynamoDB UpdateItem parameter '{field}' is missing.");

    private static string? OptionalString(JsonObject parameters, string field) => parameters[field] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => throw new StatesErrorException(StatesErrors.Runtime, $"The DynamoDB UpdateItem parameter '{field}' must be a string."),
    };
}
