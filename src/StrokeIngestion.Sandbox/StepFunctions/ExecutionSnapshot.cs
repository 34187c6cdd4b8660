namespace StrokeIngestion.Sandbox.StepFunctions;

internal enum ExecutionStatus
{
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Aborted,
}

/// <summary>An execution as DescribeExecution reports it, plus what the emulator knows besides.</summary>
/// <param name="Input">The execution input as the JSON text StartExecution received.</param>
/// <param name="CurrentState">The state the execution is in (null once closed).</param>
/// <param name="ResumesAt">While a Wait state or a retry interval is pending: when it ends.</param>
internal sealed record ExecutionSnapshot(
    string ExecutionArn,
    string StateMachineArn,
    string Name,
    ExecutionStatus Status,
    DateTimeOffset StartDate,
    DateTimeOffset? StopDate,
    string Input,
    string? Output,
    string? Error,
    string? Cause,
    string? CurrentState,
    DateTimeOffset? ResumesAt,
    int HistoryEventCount)
{
    public bool IsRunning => Status == ExecutionStatus.Running;

    /// <summary>
    /// State transitions as AWS bills them for STANDARD workflows: one per state entered, one
    /// more per Retry (the cost of a study is this × $0.025 / 1,000).
    /// </summary>
    public int StateTransitions { get; init; }

    /// <summary>Every state entered, in order (a state entered twice appears twice).</summary>
    public IReadOnlyList<string> VisitedStates { get; init; } = [];

    /// <summary>True while a <c>.waitForTaskToken</c> task has invoked its function and waits for SendTaskSuccess/Failure.</summary>
    public bool AwaitingTaskToken { get; init; }

    public static string ToWire(ExecutionStatus status) => status switch
    {
        ExecutionStatus.Running => "RUNNING",
        ExecutionStatus.Succeeded => "SUCCEEDED",
        ExecutionStatus.Failed => "FAILED",
        ExecutionStatus.TimedOut => "TIMED_OUT",
        _ => "ABORTED",
    };

    public string StatusText => ToWire(Status);
}
