namespace StrokeIngestion.Sandbox.StepFunctions;

/// <summary>A Step Functions API error: <see cref="Type"/> is the shape name (ExecutionAlreadyExists …).</summary>
internal sealed record SfnError(string Type, string Message);

/// <summary>An API answer: a value or the error the real service would return (always HTTP 400 here).</summary>
internal sealed record SfnResult<T>(T? Value, SfnError? Error)
    where T : class
{
    public static SfnResult<T> Ok(T value) => new(value, null);

    public static SfnResult<T> Fail(string type, string message) => new(null, new SfnError(type, message));
}

internal sealed record StartExecutionResponse(string ExecutionArn, DateTimeOffset StartDate);

internal sealed record ListExecutionsPage(IReadOnlyList<ExecutionSnapshot> Executions, string? NextToken);

internal sealed record StopExecutionResponse(DateTimeOffset StopDate);

/// <summary>
/// How often StartExecution was called and what came of it, for "no duplicate executions"
/// assertions: every call is counted once in <see cref="StartExecutionCalls"/> and once in
/// exactly one of the other counters.
/// </summary>
internal sealed record StepFunctionsCounters(
    long StartExecutionCalls,
    long ExecutionsStarted,
    long IdempotentReplays,
    long ExecutionAlreadyExistsRejections,
    long OtherRejections);
