using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using StrokeIngestion.Sandbox.StepFunctions.Asl;

namespace StrokeIngestion.Sandbox.StepFunctions.Tasks;

/// <summary>
/// In-process Lambda functions keyed by function name (an ARN, partial ARN or qualified name
/// resolves to the same entry), and the two ways a Task invokes them:
/// <c>arn:aws:states:::lambda:invoke</c> (result <c>{ExecutedVersion, Payload, StatusCode, …}</c>)
/// and a plain function ARN (result = the payload).
/// </summary>
/// <remarks>
/// Error naming follows Lambda + Step Functions: an exception thrown by the handler becomes
/// error = the exception's type name (as the .NET runtime reports <c>errorType</c>), cause =
/// <c>{"errorMessage","errorType"}</c> JSON. A handler running past its registered timeout is
/// reported as <c>Lambda.Unknown</c> (AWS reports function timeouts and crashes that way); an
/// unregistered function as <c>Lambda.ResourceNotFoundException</c>. A handler may throw
/// <see cref="StatesErrorException"/> to simulate a service error (<c>Lambda.ServiceException</c> …).
/// </remarks>
internal sealed class LambdaFunctions : ITaskIntegration
{
    private readonly ConcurrentDictionary<string, RegisteredFunction> _functions = new(StringComparer.Ordinal);
    private readonly TimeProvider _timeProvider;
    private readonly double _timeoutScale;

    public LambdaFunctions(TimeProvider timeProvider, double timeoutScale)
    {
        _timeProvider = timeProvider;
        _timeoutScale = timeoutScale;
    }

    public void Register(string functionNameOrArn, Func<Stream, CancellationToken, Task<Stream>> handler, TimeSpan? timeout)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _functions[NormalizeName(functionNameOrArn)] = new RegisteredFunction(handler, timeout);
    }

    /// <summary>Function name from a name, <c>name:qualifier</c>, partial ARN or full ARN.</summary>
    public static string NormalizeName(string functionNameOrArn)
    {
        ArgumentException.ThrowIfNullOrEmpty(functionNameOrArn);
        var text = functionNameOrArn;
        var marker = text.IndexOf("function:", StringComparison.Ordinal);
        if (marker >= 0)
        {
            text = text[(marker + "function:".Length)..];
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon >= 0 ? text[..colon] : text;
    }

    public async Task<JsonNode?> InvokeAsync(TaskInvocation invocation, CancellationToken cancellationToken)
    {
        if (invocation.Resource is { Kind: TaskResourceKind.LambdaFunctionArn, FunctionName: { } plainFunction })
        {
            return await InvokeFunctionAsync(plainFunction, invocation.Parameters, cancellationToken);
        }

        var parameters = invocation.Parameters as JsonObject ?? [];
        if (parameters["FunctionName"] is not JsonValue nameNode || !nameNode.TryGetValue<string>(out var functionName))
        {
            throw new StatesErrorException(StatesErrors.Runtime, $"State '{invocation.StateName}': FunctionName must be a string.");
        }

        var payload = parameters.TryGetPropertyValue("Payload", out var p) ? p : new JsonObject();
        var result = await InvokeFunctionAsync(NormalizeName(functionName), payload, cancellationToken);
        var requestId = Guid.NewGuid().ToString();
        return new JsonObject
        {
            ["ExecutedVersion"] = "$LATEST",
            ["Payload"] = result,
            ["SdkHttpMetadata"] = new JsonObject
            {
                ["AllHttpHeaders"] = new JsonObject
                {
                    ["X-Amz-Executed-Version"] = new JsonArray("$LATEST"),
                    ["x-amzn-Remapped-Content-Length"] = new JsonArray("0"),
                    ["Connection"] = new JsonArray("keep-alive"),
                    ["x-amzn-RequestId"] = new JsonArray(requestId),
                    ["Content-Type"] = new JsonArray("application/json"),
                },
                ["HttpHeaders"] = new JsonObject
                {
                    ["Connection"] = "keep-alive",
                    ["Content-Type"] = "application/json",
                    ["X-Amz-Executed-Version"] = "$LATEST",
                    ["x-amzn-RequestId"] = requestId,
                },
                ["HttpStatusCode"] = 200,
            },
            ["SdkResponseMetadata"] = new JsonObject { ["RequestId"] = requestId },
            ["StatusCode"] = 200,
        };
    }

    private async Task<JsonNode?> InvokeFunctionAsync(string functionName, JsonNode? payload, CancellationToken cancellationToken)
    {
        if (!_functions.TryGetValue(functionName, out var function))
        {
            throw new StatesErrorException(
                "Lambda.ResourceNotFoundException",
                $"Function not found: {functionName} (sandbox: no in-process handler is registered under this name).");
        }

        var functionTimeout = function.Timeout ?? TimeSpan.Zero;
        using var timeout = function.Timeout is not null
            ? new CancellationTokenSource(StepFunctionsEmulatorOptions.Scale(functionTimeout.TotalSeconds, _timeoutScale), _timeProvider)
            : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var request = new MemoryStream(Encoding.UTF8.GetBytes(payload?.ToJsonString() ?? "null"));
        Stream response;
        try
        {
            response = await function.Handler(request, linked.Token).WaitAsync(linked.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new StatesErrorException(
                "Lambda.Unknown",
                $"{{\"errorMessage\":\"Task timed out after {functionTimeout.TotalSeconds:0.00} seconds\"}}");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (StatesErrorException)
        {
            throw;
        }
        catch (Exception ex)
        {
            var errorType = ex.GetType().Name;
            var cause = new JsonObject { ["errorMessage"] = ex.Message, ["errorType"] = errorType };
            throw new StatesErrorException(errorType, cause.ToJsonString(), ex);
        }

        await using (response)
        {
            using var buffer = new MemoryStream();
            await response.CopyToAsync(buffer, cancellationToken);
            if (buffer.Length == 0)
            {
                return null;
            }

            try
            {
                return JsonNode.Parse(buffer.ToArray());
            }
            catch (JsonException ex)
            {
                throw new StatesErrorException(
                    StatesErrors.Runtime,
                    $"The Lambda function '{functionName}' returned a payload that is not JSON.",
                    ex);
            }
        }
    }

    private sealed record RegisteredFunction(Func<Stream, CancellationToken, Task<Stream>> Handler, TimeSpan? Timeout);
}
