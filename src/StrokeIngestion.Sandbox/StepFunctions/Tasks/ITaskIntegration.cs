using System.Text.Json.Nodes;
using StrokeIngestion.Sandbox.StepFunctions.Asl;

namespace StrokeIngestion.Sandbox.StepFunctions.Tasks;

/// <summary>
/// Runs one Task attempt against a (local) service. Failures are reported as
/// <see cref="StatesErrorException"/> with the error name the real integration uses, so the
/// definition's Retry and Catch match exactly as in AWS.
/// </summary>
internal interface ITaskIntegration
{
    Task<JsonNode?> InvokeAsync(TaskInvocation invocation, CancellationToken cancellationToken);
}

/// <param name="Parameters">The effective input: Parameters evaluated, or the state input after InputPath.</param>
internal sealed record TaskInvocation(string ExecutionArn, string StateName, TaskResource Resource, JsonNode? Parameters);
