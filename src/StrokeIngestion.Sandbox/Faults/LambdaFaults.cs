namespace StrokeIngestion.Sandbox.Faults;

/// <summary>
/// What can go wrong when Step Functions invokes a Lambda function, at given shares of the
/// invocations; each invocation gets at most one outcome from one seeded draw, and latency is
/// drawn apart. How Step Functions names each outcome decides whether the state machine's Retry
/// or its Catch handles it:
/// <list type="bullet">
/// <item><see cref="ThrottleRate"/>: <c>Lambda.TooManyRequestsException</c>, the function never runs.</item>
/// <item><see cref="ServiceErrorRate"/>: <c>Lambda.ServiceException</c>, the function never runs.</item>
/// <item><see cref="CrashRate"/>: the runtime dies before the handler does anything (<c>Runtime.ExitError</c>).</item>
/// <item><see cref="CrashAfterRunRate"/>: the handler runs to its end (its writes land), then the runtime dies before answering (<c>Runtime.ExitError</c>).</item>
/// <item><see cref="TimeoutRate"/>: the function hangs until its configured timeout (<c>Lambda.Unknown</c>, "Task timed out").</item>
/// <item><see cref="CrashWhenReady"/>: on top of the drawn outcome, every invocation whose handler answers
/// <c>READY_FOR_ANALYSIS</c> dies before answering (<c>Runtime.ExitError</c>): the monitor recorded the
/// outcome and then fails for good for that study.</item>
/// </list>
/// </summary>
/// <remarks>Immutable: replace the whole record on the <see cref="FaultingLambda"/> to change it while executions run.</remarks>
internal sealed record LambdaFaults
{
    public static LambdaFaults None { get; } = new();

    public double ThrottleRate { get; init; }

    public double ServiceErrorRate { get; init; }

    public double CrashRate { get; init; }

    public double CrashAfterRunRate { get; init; }

    public double TimeoutRate { get; init; }

    public bool CrashWhenReady { get; init; }

    /// <summary>Share of invocations slowed down by a delay between <see cref="MinLatency"/> and <see cref="MaxLatency"/> (keep it below the function's timeout).</summary>
    public double LatencyRate { get; init; }

    public TimeSpan MinLatency { get; init; }

    public TimeSpan MaxLatency { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        var rates = new[]
        {
            (ThrottleRate, nameof(ThrottleRate)),
            (ServiceErrorRate, nameof(ServiceErrorRate)),
            (CrashRate, nameof(CrashRate)),
            (CrashAfterRunRate, nameof(CrashAfterRunRate)),
            (TimeoutRate, nameof(TimeoutRate)),
            (LatencyRate, nameof(LatencyRate)),
        };
        foreach (var (rate, name) in rates)
        {
            if (double.IsNaN(rate) || rate < 0 || rate > 1)
            {
                throw new ArgumentException($"{name} must be between 0 and 1, not {rate}.");
            }
        }

        if (ThrottleRate + ServiceErrorRate + CrashRate + CrashAfterRunRate + TimeoutRate > 1 + 1e-9)
        {
            throw new ArgumentException("The five failure rates must not add up to more than 1: each invocation gets one outcome.");
        }

        if (MinLatency < TimeSpan.Zero || MaxLatency < MinLatency)
        {
            throw new ArgumentException($"Latency must satisfy 0 <= {nameof(MinLatency)} <= {nameof(MaxLatency)}.");
        }
    }
}

/// <summary>What a <see cref="FaultingLambda"/> did so far.</summary>
/// <param name="Invocations">Invocations received.</param>
/// <param name="Throttled">Failed with <c>Lambda.TooManyRequestsException</c>.</param>
/// <param name="ServiceErrors">Failed with <c>Lambda.ServiceException</c>.</param>
/// <param name="Crashes">Died before the handler ran.</param>
/// <param name="CrashesAfterRun">Died after the handler ran.</param>
/// <param name="Timeouts">Hung until the function timeout.</param>
/// <param name="Delayed">Slowed down by injected latency.</param>
internal sealed record LambdaFaultCounts(long Invocations, long Throttled, long ServiceErrors, long Crashes, long CrashesAfterRun, long Timeouts, long Delayed)
{
    /// <summary>Invocations that failed because of an injected fault.</summary>
    public long InjectedErrors => Throttled + ServiceErrors + Crashes + CrashesAfterRun + Timeouts;
}
