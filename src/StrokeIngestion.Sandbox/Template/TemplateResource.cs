using System.Text.Json.Nodes;

namespace StrokeIngestion.Sandbox.Template;

/// <summary>One entry of a template's Resources section, properties still unresolved.</summary>
internal sealed record TemplateResource(string LogicalId, string Type, JsonObject Properties);

/// <summary>
/// A state machine as the stack would deploy it: the definition is the resolved JSON text of
/// <c>DefinitionString</c> (or <c>Definition</c> + <c>DefinitionSubstitutions</c>).
/// </summary>
internal sealed record SynthesizedStateMachine(
    string LogicalId,
    string Name,
    string Arn,
    string Definition,
    string? RoleArn,
    string StateMachineType);

/// <summary>A Lambda function as the stack would deploy it, environment variables resolved.</summary>
internal sealed record SynthesizedFunction(
    string LogicalId,
    string Name,
    string Arn,
    string? Handler,
    string? Runtime,
    int? TimeoutSeconds,
    IReadOnlyDictionary<string, string> Environment)
{
    /// <summary>The execution role's ARN (<c>Role</c>).</summary>
    public string? RoleArn { get; init; }

    /// <summary>The log group the function writes to (<c>LoggingConfig.LogGroup</c>, else Lambda's <c>/aws/lambda/&lt;name&gt;</c>).</summary>
    public string LogGroupName { get; init; } = string.Empty;

    /// <summary><c>LoggingConfig.LogFormat</c>: <c>Text</c> (Lambda's default) or <c>JSON</c>.</summary>
    public string LogFormat { get; init; } = "Text";

    /// <summary><c>ReservedConcurrentExecutions</c>: the most invocations that run at once; null shares the account's unreserved pool.</summary>
    public int? ReservedConcurrentExecutions { get; init; }
}
