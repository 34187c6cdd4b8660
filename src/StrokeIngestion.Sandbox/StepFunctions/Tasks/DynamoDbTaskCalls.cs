using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using StrokeIngestion.Sandbox.StepFunctions.Asl;

namespace StrokeIngestion.Sandbox.StepFunctions.Tasks;

/// <summary>
/// What the DynamoDB optimized integrations share: the client check, the error names Step
/// Functions reports (<c>DynamoDB.</c> + the code DynamoDB answered for its modelled errors,
/// <c>DynamoDB.AmazonDynamoDBException</c> for other service errors, <c>DynamoDB.SdkClientException</c>
/// when the endpoint cannot be reached), the response metadata, and parameter reading.
/// </summary>
internal static class DynamoDbTaskCalls
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

    public static IAmazonDynamoDB Client(Func<IAmazonDynamoDB?> client, TaskInvocation invocation) =>
        client() ?? throw new StatesErrorException(
            StatesErrors.Runtime,
            $"State '{invocation.StateName}' calls DynamoDB but the sandbox has no DynamoDB client: call StepFunctionsEmulator.UseDynamoDb.");

    public static async Task<T> CallAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await call(cancellationToken);
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
    }

    /// <summary>The metadata fields the Java SDK behind the integration adds to every result.</summary>
    public static JsonObject WithMetadata(JsonObject result, AmazonWebServiceResponse response)
    {
        result["SdkHttpMetadata"] = new JsonObject { ["HttpStatusCode"] = (int)response.HttpStatusCode };
        result["SdkResponseMetadata"] = new JsonObject { ["RequestId"] = response.ResponseMetadata?.RequestId };
        return result;
    }

    public static Dictionary<string, string>? ExpressionAttributeNames(JsonObject parameters) =>
        parameters["ExpressionAttributeNames"] is JsonObject names
            ? names.ToDictionary(
                p => p.Key,
                p => p.Value is JsonValue v && v.GetValueKind() == JsonValueKind.String
                    ? v.GetValue<string>()
                    : throw new StatesErrorException(StatesErrors.Runtime, $"ExpressionAttributeNames.{p.Key} must be a string."),
                StringComparer.Ordinal)
            : null;

    public static string String(JsonObject parameters, string field, string operation) =>
        OptionalString(parameters, field, operation)
            ?? throw new StatesErrorException(StatesErrors.Runtime, $"The DynamoDB {operation} parameter '{field}' is missing.");

    public static string? OptionalString(JsonObject parameters, string field, string operation) => parameters[field] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => throw new StatesErrorException(StatesErrors.Runtime, $"The DynamoDB {operation} parameter '{field}' must be a string."),
    };

    public static bool? OptionalBoolean(JsonObject parameters, string field, string operation) => parameters[field] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        _ => throw new StatesErrorException(StatesErrors.Runtime, $"The DynamoDB {operation} parameter '{field}' must be a boolean."),
    };
}
