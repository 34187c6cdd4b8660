using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using StrokeIngestion.Core.Aws.Signing;
using StrokeIngestion.Core.Errors;
using StrokeIngestion.Core.Ports;

namespace StrokeIngestion.Core.Aws.StepFunctions;

/// <summary>
/// Starts executions of one state machine over awsJson1_0, signed with SigV4 (<c>states</c>).
/// A name that was already used answers <c>ExecutionAlreadyExists</c>; that is reported as
/// <see cref="WorkflowStart.AlreadyExisted"/> with the execution's ARN, which is derived
/// from the state machine ARN and the name. One attempt per call.
/// </summary>
internal sealed partial class StepFunctionsClient : IWorkflowStarter
{
    public const string SigningName = "states";

    /// <summary>Step Functions' limit on the execution input, in UTF-8 bytes (256 KiB).</summary>
    public const int MaxInputBytes = 256 * 1024;

    private const string Operation = "StartExecution";
    private const string StateMachineMarker = ":stateMachine:";

    private readonly SignedHttpTransport _transport;
    private readonly Uri _endpoint;
    private readonly string _stateMachineArn;
    private readonly string _executionArnPrefix;

    public StepFunctionsClient(SignedHttpTransport transport, Uri endpoint, string stateMachineArn)
    {
        if (string.IsNullOrWhiteSpace(stateMachineArn) || !StateMachineArnPattern().IsMatch(stateMachineArn))
        {
            throw new ArgumentException("Expected a state machine ARN (arn:<partition>:states:<region>:<account>:stateMachine:<name>).", nameof(stateMachineArn));
        }

        _transport = transport;
        _endpoint = endpoint;
        _stateMachineArn = stateMachineArn;

        // arn:aws:states:eu-west-2:123456789012:stateMachine:sm → arn:aws:states:eu-west-2:123456789012:execution:sm:
        var marker = stateMachineArn.IndexOf(StateMachineMarker, StringComparison.Ordinal);
        _executionArnPrefix = stateMachineArn[..marker] + ":execution:" + stateMachineArn[(marker + StateMachineMarker.Length)..] + ":";
    }

    /// <summary><c>https://states[-fips].{region}.{partition DNS suffix}</c>.</summary>
    public static Uri DefaultEndpoint(string region, bool useFips) => AwsServiceEndpoint.For("states", region, useFips);

    /// <summary>The ARN Step Functions gives the execution named <paramref name="executionName"/> of this state machine.</summary>
    public string ExecutionArnFor(string executionName) => _executionArnPrefix + executionName;

    public async Task<WorkflowStart> StartAsync(string executionName, string inputJson, CancellationToken cancellationToken)
    {
        if (executionName is null || !ExecutionNamePattern().IsMatch(executionName))
        {
            throw new ArgumentException("The execution name must be 1-80 characters of [0-9A-Za-z_-].", nameof(executionName));
        }

        ArgumentNullException.ThrowIfNull(inputJson);
        if (Encoding.UTF8.GetByteCount(inputJson) > MaxInputBytes)
        {
            throw new ArgumentException($"The execution input must be at most {MaxInputBytes} bytes of UTF-8.", nameof(inputJson));
        }

        var body = new StartExecutionBody(_stateMachineArn, executionName, inputJson);
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(_endpoint, "/"))
        {
            Content = SignedHttpTransport.JsonContent(JsonSerializer.SerializeToUtf8Bytes(body, StepFunctionsJsonContext.Default.StartExecutionBody), "application/x-amz-json-1.0"),
        };
        message.Headers.TryAddWithoutValidation("X-Amz-Target", "AWSStepFunctions.StartExecution");

        var response = await _transport.SendAsync(message, Operation, cancellationToken);
        if (!response.IsSuccess)
        {
            var errorType = AwsErrors.ReadErrorType(response);
            if (errorType == "ExecutionAlreadyExists")
            {
                return new WorkflowStart(ExecutionArnFor(executionName), AlreadyExisted: true);
            }

            throw AwsErrors.ToException(Dependency.StepFunctions, Operation, response.StatusCode, errorType);
        }

        StartExecutionResult? result;
        try
        {
            result = JsonSerializer.Deserialize(response.Body, StepFunctionsJsonContext.Default.StartExecutionResult);
        }
        catch (JsonException ex)
        {
            throw InvalidResponse(ex);
        }

        if (string.IsNullOrEmpty(result?.ExecutionArn))
        {
            throw InvalidResponse(null);
        }

        return new WorkflowStart(result.ExecutionArn, AlreadyExisted: false);
    }

    private static DependencyException InvalidResponse(Exception? inner)
        => new(Dependency.StepFunctions, "InvalidResponse", $"{Dependency.StepFunctions} {Operation} answered with an unreadable body.", inner);

    [GeneratedRegex(@"\A[0-9A-Za-z_-]{1,80}\z")]
    private static partial Regex ExecutionNamePattern();

    [GeneratedRegex(@"\Aarn:[a-z0-9-]+:states:[a-z0-9-]+:[0-9]{12}:stateMachine:[0-9A-Za-z_-]{1,80}\z")]
    private static partial Regex StateMachineArnPattern();
}
