namespace StrokeIngestion.Sandbox.StepFunctions;

/// <summary>
/// Faults the emulator injects into StartExecution, the one Step Functions call the pipeline
/// makes. Each request gets one outcome from one draw of the emulator's seeded Random:
/// throttled (400 <c>ThrottlingException</c>, nothing started) with <see cref="ThrottleRate"/>,
/// unavailable (503 <c>ServiceUnavailable</c>, nothing started) with <see cref="ServerErrorRate"/>,
/// started-then-500 (<c>InternalFailure</c>: the execution runs, the caller cannot tell) with
/// <see cref="ServerErrorAfterStartRate"/>; otherwise answered normally. Latency is drawn apart.
/// </summary>
/// <remarks>Immutable: replace the whole record on the emulator to change it while clients run.</remarks>
internal sealed record StepFunctionsFaults
{
    public static StepFunctionsFaults None { get; } = new();

    public double ThrottleRate { get; init; }

    public double ServerErrorRate { get; init; }

    public double ServerErrorAfterStartRate { get; init; }

    /// <summary>Share of requests held back for a delay between <see cref="MinLatency"/> and <see cref="MaxLatency"/>.</summary>
    public double LatencyRate { get; init; }

    public TimeSpan MinLatency { get; init; }

    public TimeSpan MaxLatency { get; init; }

    public bool IsNone => ThrottleRate <= 0 && ServerErrorRate <= 0 && ServerErrorAfterStartRate <= 0 && LatencyRate <= 0;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        foreach (var (rate, name) in new[]
        {
            (ThrottleRate, nameof(ThrottleRate)),
            (ServerErrorRate, nameof(ServerErrorRate)),
            (ServerErrorAfterStartRate, nameof(ServerErrorAfterStartRate)),
            (LatencyRate, nameof(LatencyRate)),
        })
        {
            if (double.IsNaN(rate) || rate < 0 || rate > 1)
            {
                throw new ArgumentException($"{name} must be between 0 and 1, not {rate}.");
            }
        }

        if (ThrottleRate + ServerErrorRate + ServerErrorAfterStartRate > 1 + 1e-9)
        {
            throw new ArgumentException("The three error rates must not add up to more than 1: each request gets one outcome.");
        }

        if (MinLatency < TimeSpan.Zero || MaxLatency < MinLatency)
        {
            throw new ArgumentException($"Latency must satisfy 0 <= {nameof(MinLatency)} <= {nameof(MaxLatency)}.");
        }
    }
}

/// <summary>What the fault knob did to StartExecution requests so far.</summary>
/// <param name="Requests">StartExecution requests that reached the knob.</param>
/// <param name="Throttled">Answered 400 ThrottlingException without starting anything.</param>
/// <param name="ServerErrors">Answered 503 ServiceUnavailable without starting anything.</param>
/// <param name="ServerErrorsAfterStart">Handled (an execution may have started), then answered 500.</param>
/// <param name="Delayed">Held back by injected latency.</param>
internal sealed record StepFunctionsFaultCounts(long Requests, long Throttled, long ServerErrors, long ServerErrorsAfterStart, long Delayed)
{
    /// <summary>Requests the caller saw fail because of an injected fault.</summary>
    public long InjectedErrors => Throttled + ServerErrors + ServerErrorsAfterStart;
}

/// <summary>The outcome the knob picked for one StartExecution request.</summary>
internal enum StartExecutionFault
{
    None,
    Throttle,
    ServerError,
    ServerErrorAfterStart,
}
