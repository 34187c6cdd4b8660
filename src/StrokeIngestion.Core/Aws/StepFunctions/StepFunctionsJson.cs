using System.Text.Json.Serialization;

namespace StrokeIngestion.Core.Aws.StepFunctions;

/// <summary>StartExecution body (awsJson1_0). <c>input</c> is a JSON document carried as a string.</summary>
internal sealed record StartExecutionBody(
    [property: JsonPropertyName("stateMachineArn")] string StateMachineArn,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("input")] string Input);

/// <summary>StartExecution answer; <c>startDate</c> is epoch seconds.</summary>
internal sealed record StartExecutionResult(
    [property: JsonPropertyName("executionArn")] string? ExecutionArn,
    [property: JsonPropertyName("startDate")] double? StartDate);

/// <summary>SendTaskSuccess body (awsJson1_0). <c>output</c> is a JSON document carried as a string.</summary>
internal sealed record SendTaskSuccessBody(
    [property: JsonPropertyName("taskToken")] string TaskToken,
    [property: JsonPropertyName("output")] string Output);

[JsonSerializable(typeof(StartExecutionBody))]
[JsonSerializable(typeof(StartExecutionResult))]
[JsonSerializable(typeof(SendTaskSuccessBody))]
internal sealed partial class StepFunctionsJsonContext : JsonSerializerContext
{
}
