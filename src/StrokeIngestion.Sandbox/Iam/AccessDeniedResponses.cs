using System.Security;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using StrokeIngestion.Sandbox.Faults;

namespace StrokeIngestion.Sandbox.Iam;

/// <summary>
/// How each service refuses a call IAM denies, status and error shape as its SDK parses them:
/// S3 403 <c>AccessDenied</c> XML (a HEAD gets the status alone), DynamoDB and Step Functions
/// 400 <c>AccessDeniedException</c> JSON, HealthImaging 403 with <c>x-amzn-ErrorType</c>.
/// The message is IAM's: who, which action, which resource, and why.
/// </summary>
internal static class AccessDeniedResponses
{
    public static FaultResponse For(FaultTarget target, string caller, AccessRequest request, AccessDecision decision)
    {
        var message = Message(caller, request, decision);
        return target switch
        {
            FaultTarget.S3 => FaultResponses.S3Error(403, "AccessDenied", SecurityElement.Escape(message)),
            FaultTarget.DynamoDb or FaultTarget.StepFunctions => CoralJson(message),
            FaultTarget.HealthImaging => RestJson(message),
            FaultTarget.Sqs => FaultResponses.SqsError(403, "com.amazonaws.sqs#AccessDenied", "AccessDenied", JsonEncodedText.Encode(message).ToString()),
            _ => throw new ArgumentOutOfRangeException(nameof(target), target, null),
        };
    }

    /// <param name="policyKind">"identity-based" (the caller's role) or "resource-based" (e.g. a function's permissions).</param>
    public static string Message(string caller, AccessRequest request, AccessDecision decision, string policyKind = "identity-based") =>
        $"User: {caller} is not authorized to perform: {request.Action} on resource: {request.Resource} because "
        + (decision == AccessDecision.ExplicitDeny
            ? $"an explicit deny in an {policyKind} policy applies"
            : $"no {policyKind} policy allows the {request.Action} action");

    // DynamoDB and Step Functions name it from the shared service layer, not their own namespace.
    private static FaultResponse CoralJson(string message) =>
        FaultResponses.DynamoDbError(400, "com.amazon.coral.service#AccessDeniedException", JsonEncodedText.Encode(message).ToString());

    private static FaultResponse RestJson(string message) => new(
        403,
        "application/json",
        Encoding.UTF8.GetBytes(new JsonObject { ["message"] = message }.ToJsonString()),
        [new("x-amzn-ErrorType", "AccessDeniedException"), new("x-amzn-RequestId", Guid.NewGuid().ToString())]);
}
