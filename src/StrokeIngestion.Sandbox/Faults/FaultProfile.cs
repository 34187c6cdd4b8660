namespace StrokeIngestion.Sandbox.Faults;

/// <summary>
/// Faults a <see cref="FaultInjectingProxy"/> injects. Each request gets one outcome from one
/// draw of the proxy's seeded <see cref="Random"/>: throttled with <see cref="ThrottleRate"/>,
/// a 500 with <see cref="ServerErrorRate"/>, forwarded-then-500 with
/// <see cref="ServerErrorAfterForwardRate"/>, otherwise forwarded and relayed. The rates are
/// shares of all requests, so they may add up to at most 1. Latency is drawn independently.
/// </summary>
/// <remarks>Immutable: replace the whole profile on the proxy to change it while clients run.</remarks>
internal sealed record FaultProfile
{
    public static FaultProfile None { get; } = new();

    /// <summary>Share of requests answered with the service's throttling error, never forwarded.</summary>
    public double ThrottleRate { get; init; }

    /// <summary>Share of requests answered 500, never forwarded.</summary>
    public double ServerErrorRate { get; init; }

    /// <summary>
    /// Share of requests forwarded and applied by the upstream whose answer is replaced by a
    /// 500: the client cannot tell whether its write happened (the idempotency test).
    /// </summary>
    public double ServerErrorAfterForwardRate { get; init; }

    /// <summary>Share of requests held back for a delay between <see cref="MinLatency"/> and <see cref="MaxLatency"/>.</summary>
    public double LatencyRate { get; init; }

    public TimeSpan MinLatency { get; init; }

    public TimeSpan MaxLatency { get; init; }

    public DynamoDbThrottleError DynamoDbThrottle { get; init; } = DynamoDbThrottleError.ProvisionedThroughputExceeded;

    /// <summary>
    /// Operations faults apply to (names as in <see cref="FaultProxyCounters"/>: <c>PutItem</c>,
    /// <see cref="S3OperationNames.CopyObject"/>, …); null for every operation. Requests of
    /// other operations are forwarded untouched.
    /// </summary>
    public IReadOnlySet<string>? Operations { get; init; }

    /// <summary>Every request throttled with probability <paramref name="rate"/>.</summary>
    public static FaultProfile Throttling(double rate) => new() { ThrottleRate = rate };

    /// <summary>Every request answered 500 with probability <paramref name="rate"/>.</summary>
    public static FaultProfile ServerErrors(double rate) => new() { ServerErrorRate = rate };

    /// <summary>Every request delayed by exactly <paramref name="delay"/>.</summary>
    public static FaultProfile FixedLatency(TimeSpan delay) => new() { LatencyRate = 1, MinLatency = delay, MaxLatency = delay };

    public bool AppliesTo(string operation) => Operations is null || Operations.Contains(operation);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        CheckRate(ThrottleRate, nameof(ThrottleRate));
        CheckRate(ServerErrorRate, nameof(ServerErrorRate));
        CheckRate(ServerErrorAfterForwardRate, nameof(ServerErrorAfterForwardRate));
        CheckRate(LatencyRate, nameof(LatencyRate));

        // A small tolerance lets rates like 0.7 + 0.2 + 0.1 through despite binary rounding.
        if (ThrottleRate + ServerErrorRate + ServerErrorAfterForwardRate > 1 + 1e-9)
        {
            throw new ArgumentException(
                $"{nameof(ThrottleRate)} + {nameof(ServerErrorRate)} + {nameof(ServerErrorAfterForwardRate)} must not exceed 1: each request gets one outcome.");
        }

        if (MinLatency < TimeSpan.Zero || MaxLatency < MinLatency)
        {
            throw new ArgumentException($"Latency must satisfy 0 <= {nameof(MinLatency)} <= {nameof(MaxLatency)}.");
        }

        if (!Enum.IsDefined(DynamoDbThrottle))
        {
            throw new ArgumentException($"{nameof(DynamoDbThrottle)} {DynamoDbThrottle} is not defined.");
        }
    }

    private static void CheckRate(double rate, string name)
    {
        if (double.IsNaN(rate) || rate < 0 || rate > 1)
        {
            throw new ArgumentException($"{name} must be between 0 and 1, not {rate}.");
        }
    }
}
