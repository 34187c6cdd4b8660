namespace StrokeIngestion.Sandbox.Api;

/// <summary>
/// What can go wrong between a clinician's tool and the upload handler, at given shares of the
/// requests (one seeded draw each):
/// <list type="bullet">
/// <item><see cref="ThrottleRate"/>: API Gateway throttles: 429 <c>Too Many Requests</c>, the handler never runs.</item>
/// <item><see cref="LostAnswerRate"/>: the handler runs to its end, then the client gets 503 <c>Service Unavailable</c> instead of its answer.</item>
/// <item><see cref="StallRate"/>: the handler runs to its end, then the answer never arrives (the client's own timeout ends the wait).</item>
/// </list>
/// The last two are the cases an Idempotency-Key exists for: the work was done, the client cannot know.
/// </summary>
internal sealed record ApiFaults
{
    public static ApiFaults None { get; } = new();

    public double ThrottleRate { get; init; }

    public double LostAnswerRate { get; init; }

    public double StallRate { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        foreach (var (rate, name) in new[] { (ThrottleRate, nameof(ThrottleRate)), (LostAnswerRate, nameof(LostAnswerRate)), (StallRate, nameof(StallRate)) })
        {
            if (double.IsNaN(rate) || rate < 0 || rate > 1)
            {
                throw new ArgumentException($"{name} must be between 0 and 1, not {rate}.");
            }
        }

        if (ThrottleRate + LostAnswerRate + StallRate > 1 + 1e-9)
        {
            throw new ArgumentException("The three rates must not add up to more than 1: each request gets one outcome.");
        }
    }
}

/// <summary>What the API's fault knob did so far.</summary>
internal sealed record ApiFaultCounts(long Requests, long Throttled, long LostAnswers, long Stalled)
{
    public long InjectedErrors => Throttled + LostAnswers + Stalled;
}

/// <summary>
/// What the API's modelled limits refused: <paramref name="RouteThrottled"/> requests answered 429
/// by a route's throttle, <paramref name="ConcurrencyRefused"/> invocations beyond the function's
/// concurrency (answered 500).
/// </summary>
internal sealed record ApiQuotaCounts(long RouteThrottled, long ConcurrencyRefused);
