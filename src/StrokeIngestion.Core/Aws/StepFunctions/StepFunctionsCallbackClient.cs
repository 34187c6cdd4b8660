using System.Text.Json;
using StrokeIngestion.Core.Aws.Signing;
using StrokeIngestion.Core.Errors;
using StrokeIngestion.Core.Ports;

namespace StrokeIngestion.Core.Aws.StepFunctions;

/// <summary>
/// Answers task tokens over awsJson1_0 (<c>SendTaskSuccess</c>), signed with SigV4 (<c>states</c>).
/// A token Step Functions no longer waits on is reported as <c>false</c>, not thrown: the
/// monitor treats a wake-up that comes too late as harmless. A token Step Functions does not
/// accept as a token at all (<c>InvalidToken</c>) is not "too late" but a defect (corrupted in
/// storage, another account's or region's): it throws, so the failure is logged and counted and
/// the workflow goes on by polling. One attempt per call.
/// </summary>
internal sealed class StepFunctionsCallbackClient : IWorkflowCallback
{
    /// <summary>Step Functions' limit on a task token, in characters.</summary>
    public const int MaxTaskTokenLength = 2048;

    /// <summary>The output a resumed task reports; the waiting state discards it.</summary>
    public const string EmptyOutput = "{}";

    private const string Operation = "SendTaskSuccess";

    // The task ended (resumed, timed out, its execution closed).
    private static readonly HashSet<string> StaleTokenTypes = new(StringComparer.Ordinal)
    {
        "TaskDoesNotExist",
        "TaskTimedOut",
    };

    private readonly SignedHttpTransport _transport;
    private readonly Uri _endpoint;

    public StepFunctionsCallbackClient(SignedHttpTransport transport, Uri endpoint)
    {
        _transport = transport;
        _endpoint = endpoint;
    }

    public async Task<bool> TryResumeAsync(string taskToken, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(taskToken) || taskToken.Length > MaxTaskTokenLength)
        {
            throw new ArgumentException($"A task token is 1-{MaxTaskTokenLength} characters.", nameof(taskToken));
        }

        var body = new SendTaskSuccessBody(taskToken, EmptyOutput);
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(_endpoint, "/"))
        {
            Content = SignedHttpTransport.JsonContent(JsonSerializer.SerializeToUtf8Bytes(body, StepFunctionsJsonContext.Default.SendTaskSuccessBody), "application/x-amz-json-1.0"),
        };
        message.Headers.TryAddWithoutValidation("X-Amz-Target", "AWSStepFunctions.SendTaskSuccess");

        var response = await _transport.SendAsync(message, Operation, cancellationToken);
        if (response.IsSuccess)
        {
            return true;
        }

        var errorType = AwsErrors.ReadErrorType(response);
        if (errorType is not null && StaleTokenTypes.Contains(errorType))
        {
            return false;
        }

        throw AwsErrors.ToException(Dependency.StepFunctions, Operation, response.StatusCode, errorType);
    }
}
