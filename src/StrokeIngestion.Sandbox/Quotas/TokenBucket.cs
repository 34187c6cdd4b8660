namespace StrokeIngestion.Sandbox.Quotas;

/// <summary>
/// The token bucket AWS throttles with: it starts full (<see cref="RateLimit.Burst"/> tokens),
/// refills at <see cref="RateLimit.RatePerSecond"/> on the injected clock, and each admitted
/// request takes one token. Thread-safe.
/// </summary>
internal sealed class TokenBucket
{
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private double _tokens;
    private DateTimeOffset _refilledAt;

    public TokenBucket(RateLimit limit, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(limit);
        if (!limit.IsUnlimited)
        {
            limit.Validate(nameof(limit));
        }

        Limit = limit;
        _time = timeProvider ?? TimeProvider.System;
        _tokens = limit.Burst;
        _refilledAt = _time.GetUtcNow();
    }

    public RateLimit Limit { get; }

    /// <summary>Takes a token if one is there; false means "throttle this request".</summary>
    public bool TryTake()
    {
        if (Limit.IsUnlimited)
        {
            return true;
        }

        lock (_gate)
        {
            Refill();
            if (_tokens < 1)
            {
                return false;
            }

            _tokens -= 1;
            return true;
        }
    }

    /// <summary>How long until the next token is there (zero when one is there now).</summary>
    public TimeSpan TimeUntilNextToken()
    {
        if (Limit.IsUnlimited)
        {
            return TimeSpan.Zero;
        }

        lock (_gate)
        {
            Refill();
            return _tokens >= 1 ? TimeSpan.Zero : TimeSpan.FromSeconds((1 - _tokens) / Limit.RatePerSecond);
        }
    }

    /// <summary>Called under the lock.</summary>
    private void Refill()
    {
        var now = _time.GetUtcNow();

        // A clock that steps back (it should not) must not take tokens away.
        var elapsed = Math.Max(0, (now - _refilledAt).TotalSeconds);
        _tokens = Math.Min(Limit.Burst, _tokens + (elapsed * Limit.RatePerSecond));
        _refilledAt = now;
    }
}
