using System.Text.Json.Nodes;

namespace StrokeIngestion.Sandbox.StepFunctions.Asl;

/// <summary>
/// Fields every state may have. A null <see cref="InputPath"/>/<see cref="OutputPath"/> is the
/// explicit JSON null (pass <c>{}</c> on); an absent one defaults to <c>$</c>.
/// </summary>
internal abstract record AslState(string Name, string? Next, JsonPath? InputPath, JsonPath? OutputPath);

internal sealed record WaitState(string Name, string? Next, JsonPath? InputPath, JsonPath? OutputPath, int? Seconds, JsonPath? SecondsPath)
    : AslState(Name, Next, InputPath, OutputPath);

internal sealed record PassState(
    string Name,
    string? Next,
    JsonPath? InputPath,
    JsonPath? OutputPath,
    PayloadTemplate? Parameters,
    bool HasResult,
    JsonNode? Result,
    JsonPath? ResultPath)
    : AslState(Name, Next, InputPath, OutputPath);

internal sealed record TaskState(
    string Name,
    string? Next,
    JsonPath? InputPath,
    JsonPath? OutputPath,
    TaskResource Resource,
    PayloadTemplate? Parameters,
    PayloadTemplate? ResultSelector,
    JsonPath? ResultPath,
    int? TimeoutSeconds,
    IReadOnlyList<Retrier> Retry,
    IReadOnlyList<Catcher> Catch)
    : AslState(Name, Next, InputPath, OutputPath);

internal sealed record ChoiceState(
    string Name,
    JsonPath? InputPath,
    JsonPath? OutputPath,
    IReadOnlyList<ChoiceBranch> Choices,
    string? Default)
    : AslState(Name, null, InputPath, OutputPath);

internal sealed record ChoiceBranch(ChoiceRule Rule, string Next);

internal sealed record SucceedState(string Name, JsonPath? InputPath, JsonPath? OutputPath)
    : AslState(Name, null, InputPath, OutputPath);

internal sealed record FailState(string Name, string? Error, string? Cause, JsonPath? ErrorPath, JsonPath? CausePath)
    : AslState(Name, null, JsonPath.Root, JsonPath.Root);

/// <summary>One Retry entry; defaults as in the States Language (1 s, 3 attempts, rate 2.0).</summary>
internal sealed record Retrier(
    IReadOnlyList<string> ErrorEquals,
    double IntervalSeconds,
    int MaxAttempts,
    double BackoffRate,
    double? MaxDelaySeconds,
    bool FullJitter);

internal sealed record Catcher(IReadOnlyList<string> ErrorEquals, string Next, JsonPath? ResultPath);

internal enum TaskResourceKind
{
    /// <summary><c>arn:aws:states:::lambda:invoke</c>: result wraps the payload (StatusCode, Payload, …).</summary>
    LambdaInvoke,

    /// <summary>A plain function ARN (CDK <c>payloadResponseOnly</c>): result is the payload itself.</summary>
    LambdaFunctionArn,

    /// <summary><c>arn:aws:states:::dynamodb:updateItem</c>.</summary>
    DynamoDbUpdateItem,

    /// <summary><c>arn:aws:states:::dynamodb:getItem</c>.</summary>
    DynamoDbGetItem,

    /// <summary><c>arn:aws:states:::events:putEvents</c>.</summary>
    EventBridgePutEvents,
}

/// <param name="Arn">The Resource string as written in the definition.</param>
/// <param name="FunctionName">For <see cref="TaskResourceKind.LambdaFunctionArn"/>: the function named in the ARN.</param>
/// <param name="WaitForTaskToken">
/// The <c>.waitForTaskToken</c> integration pattern: the task issues a token (<c>$$.Task.Token</c>),
/// invokes the service, then waits for SendTaskSuccess/SendTaskFailure with that token.
/// </param>
internal sealed record TaskResource(TaskResourceKind Kind, string Arn, string? FunctionName, bool WaitForTaskToken = false);
