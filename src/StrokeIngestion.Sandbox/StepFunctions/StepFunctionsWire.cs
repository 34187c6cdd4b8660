using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace StrokeIngestion.Sandbox.StepFunctions;

/// <summary>
/// The awsJson1_0 protocol of Step Functions: <c>POST /</c>, operation in
/// <c>X-Amz-Target: AWSStepFunctions.&lt;Op&gt;</c>, JSON bodies with camelCase members,
/// timestamps as epoch seconds (JSON numbers), errors as HTTP 400 with
/// <c>{"__type":"com.amazonaws.sfn#&lt;Name&gt;","message":"…"}</c> (injected server faults: 500/503).
/// </summary>
internal static class StepFunctionsWire
{
    public const string ContentType = "application/x-amz-json-1.0";
    private const string TargetPrefix = "AWSStepFunctions.";

    public static async Task HandleAsync(StepFunctionsEmulator emulator, HttpContext context)
    {
        var target = context.Request.Headers["X-Amz-Target"].ToString();
        if (!target.StartsWith(TargetPrefix, StringComparison.Ordinal))
        {
            await WriteErrorAsync(context, new SfnError("UnknownOperationException", $"Unknown target '{target}'."));
            return;
        }

        JsonObject body;
        try
        {
            body = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted) as JsonObject
                ?? throw new JsonException("The body is not a JSON object.");
        }
        catch (JsonException)
        {
            await WriteErrorAsync(context, new SfnError("SerializationException", "The request body is not a JSON object."));
            return;
        }

        var operation = target[TargetPrefix.Length..];
        var fault = operation == "StartExecution"
            ? await emulator.DrawStartExecutionFaultAsync(context.RequestAborted)
            : StartExecutionFault.None;
        switch (fault)
        {
            case StartExecutionFault.Throttle:
                await WriteErrorAsync(context, new SfnError("ThrottlingException", "Rate exceeded"));
                return;
            case StartExecutionFault.ServerError:
                await WriteErrorAsync(context, new SfnError("ServiceUnavailable", "Service Unavailable"), StatusCodes.Status503ServiceUnavailable);
                return;
        }

        var (response, error) = operation switch
        {
            "StartExecution" => StartExecution(emulator, body),
            "DescribeExecution" => DescribeExecution(emulator, body),
            "ListExecutions" => ListExecutions(emulator, body),
            "StopExecution" => StopExecution(emulator, body),
            "SendTaskSuccess" => SendTaskSuccess(emulator, body),
            "SendTaskFailure" => SendTaskFailure(emulator, body),
            var op => (null, new SfnError("UnknownOperationException", $"The sandbox emulator does not implement '{op}'.")),
        };

        if (fault == StartExecutionFault.ServerErrorAfterStart)
        {
            // The request was handled (an execution may now run); the caller only sees a failure.
            await WriteErrorAsync(context, new SfnError("InternalFailure", "The request processing has failed because of an unknown error."), StatusCodes.Status500InternalServerError);
            return;
        }

        if (error is not null)
        {
            await WriteErrorAsync(context, error);
            return;
        }

        await WriteAsync(context, StatusCodes.Status200OK, response ?? []);
    }

    private static (JsonObject? Response, SfnError? Error) StartExecution(StepFunctionsEmulator emulator, JsonObject body)
    {
        if (!TryString(body, "stateMachineArn", out var arn, out var error)
            || !TryString(body, "name", out var name, out error)
            || !TryString(body, "input", out var input, out error)
            || !TryString(body, "traceHeader", out _, out error))
        {
            return (null, error);
        }

        var result = emulator.StartExecution(arn, name, input);
        return result.Value is { } started
            ? (new JsonObject { ["executionArn"] = started.ExecutionArn, ["startDate"] = Epoch(started.StartDate) }, null)
            : (null, result.Error);
    }

    private static (JsonObject? Response, SfnError? Error) DescribeExecution(StepFunctionsEmulator emulator, JsonObject body)
    {
        if (!TryString(body, "executionArn", out var arn, out var error))
        {
            return (null, error);
        }

        var result = emulator.DescribeExecution(arn);
        if (result.Value is not { } execution)
        {
            return (null, result.Error);
        }

        var response = ListItem(execution);
        response["input"] = execution.Input;
        response["inputDetails"] = new JsonObject { ["included"] = true };
        if (execution.Output is not null)
        {
            response["output"] = execution.Output;
            response["outputDetails"] = new JsonObject { ["included"] = true };
        }

        if (execution.Error is not null)
        {
            response["error"] = execution.Error;
        }

        if (execution.Cause is not null)
        {
            response["cause"] = execution.Cause;
        }

        response["redriveCount"] = 0;
        response["redriveStatus"] = "NOT_REDRIVABLE";
        return (response, null);
    }

    private static (JsonObject? Response, SfnError? Error) ListExecutions(StepFunctionsEmulator emulator, JsonObject body)
    {
        if (!TryString(body, "stateMachineArn", out var arn, out var error)
            || !TryString(body, "statusFilter", out var statusFilter, out error)
            || !TryString(body, "nextToken", out var nextToken, out error))
        {
            return (null, error);
        }

        if (body.ContainsKey("mapRunArn") || body.ContainsKey("redriveFilter"))
        {
            return (null, new SfnError("ValidationException", "The sandbox emulator does not implement mapRunArn or redriveFilter."));
        }

        int? maxResults = null;
        if (body["maxResults"] is { } max)
        {
            if (max.GetValueKind() != JsonValueKind.Number || !max.AsValue().TryGetValue<int>(out var value))
            {
                return (null, new SfnError("SerializationException", "maxResults must be an integer."));
            }

            maxResults = value;
        }

        var result = emulator.ListExecutions(arn, statusFilter, maxResults, nextToken);
        if (result.Value is not { } page)
        {
            return (null, result.Error);
        }

        var response = new JsonObject
        {
            ["executions"] = new JsonArray(page.Executions.Select(e => (JsonNode?)ListItem(e)).ToArray()),
        };
        if (page.NextToken is not null)
        {
            response["nextToken"] = page.NextToken;
        }

        return (response, null);
    }

    private static (JsonObject? Response, SfnError? Error) StopExecution(StepFunctionsEmulator emulator, JsonObject body)
    {
        if (!TryString(body, "executionArn", out var arn, out var error)
            || !TryString(body, "error", out var stopError, out error)
            || !TryString(body, "cause", out var cause, out error))
        {
            return (null, error);
        }

        var result = emulator.StopExecution(arn, stopError, cause);
        return result.Value is { } stopped
            ? (new JsonObject { ["stopDate"] = Epoch(stopped.StopDate) }, null)
            : (null, result.Error);
    }

    private static (JsonObject? Response, SfnError? Error) SendTaskSuccess(StepFunctionsEmulator emulator, JsonObject body)
    {
        if (!TryString(body, "taskToken", out var token, out var error)
            || !TryString(body, "output", out var output, out error))
        {
            return (null, error);
        }

        var result = emulator.SendTaskSuccess(token, output);
        return result.Value is not null ? ([], null) : (null, result.Error);
    }

    private static (JsonObject? Response, SfnError? Error) SendTaskFailure(StepFunctionsEmulator emulator, JsonObject body)
    {
        if (!TryString(body, "taskToken", out var token, out var error)
            || !TryString(body, "error", out var taskError, out error)
            || !TryString(body, "cause", out var cause, out error))
        {
            return (null, error);
        }

        var result = emulator.SendTaskFailure(token, taskError, cause);
        return result.Value is not null ? ([], null) : (null, result.Error);
    }

    private static JsonObject ListItem(ExecutionSnapshot execution)
    {
        var item = new JsonObject
        {
            ["executionArn"] = execution.ExecutionArn,
            ["stateMachineArn"] = execution.StateMachineArn,
            ["name"] = execution.Name,
            ["status"] = execution.StatusText,
            ["startDate"] = Epoch(execution.StartDate),
        };
        if (execution.StopDate is { } stopDate)
        {
            item["stopDate"] = Epoch(stopDate);
        }

        return item;
    }

    /// <summary>Epoch seconds with milliseconds, the way the service serializes timestamps.</summary>
    public static double Epoch(DateTimeOffset time) => time.ToUnixTimeMilliseconds() / 1000.0;

    private static bool TryString(JsonObject body, string member, out string? value, [NotNullWhen(false)] out SfnError? error)
    {
        value = null;
        error = null;
        switch (body[member])
        {
            case null:
                return true;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                value = v.GetValue<string>();
                return true;
            default:
                error = new SfnError("SerializationException", $"'{member}' must be a string.");
                return false;
        }
    }

    private static Task WriteErrorAsync(HttpContext context, SfnError error, int status = StatusCodes.Status400BadRequest) =>
        WriteAsync(
            context,
            status,
            new JsonObject { ["__type"] = "com.amazonaws.sfn#" + error.Type, ["message"] = error.Message });

    private static async Task WriteAsync(HttpContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = ContentType;
        context.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString();
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }
}
