using StrokeIngestion.Core.Errors;

namespace StrokeIngestion.Core.Resilience;

/// <summary>
/// Retries a call that failed with <see cref="TransientDependencyException"/>, with full-jitter
/// exponential backoff, a bounded number of times so the whole request stays inside the
/// API's 30 s budget. Other exceptions pass through at once.
/// </summary>
public sealed class RetryPolicy
{
    private readonly Func<TimeSpan, CancellationToken, Task> _delay;
    private readonly Func<double> _random;

    /// <param name="maxAttempts">Total attempts, including the first.</param>
    /// <param name="baseDelay">Upper bound of the first backoff; doubles per retry.</param>
    /// <param name="maxDelay">Upper bound of any one backoff.</param>
    /// <param name="delay">Waits; <c>Task.Delay</c> on a TimeProvider in production, a recorder in tests.</param>
    /// <param name="random">Uniform [0,1) source for jitter.</param>
    public RetryPolicy(int maxAttempts, TimeSpan baseDelay, TimeSpan maxDelay, Func<TimeSpan, CancellationToken, Task> delay, Func<double> random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        MaxAttempts = maxAttempts;
        BaseDelay = baseDelay;
        MaxDelay = maxDelay;
        _delay = delay;
        _random = random;
    }

    public int MaxAttempts { get; }

    public TimeSpan BaseDelay { get; }

    public TimeSpan MaxDelay { get; }

    /// <summary>A policy that waits on <paramref name="time"/>'s timers.</summary>
    public static RetryPolicy Create(int maxAttempts, TimeSpan baseDelay, TimeSpan maxDelay, TimeProvider time) =>
        new(maxAttempts, baseDelay, maxDelay, (wait, ct) => Task.Delay(wait, time, ct), Random.Shared.NextDouble);

    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call(cancellationToken);
            }
            catch (TransientDependencyException) when (attempt < MaxAttempts)
            {
                await _delay(NextDelay(attempt), cancellationToken);
            }
        }
    }

    public Task RunAsync(Func<CancellationToken, Task> call, CancellationToken cancellationToken) =>
        RunAsync(
            async ct =>
            {
                await call(ct);
                return true;
            },
            cancellationToken);

    private TimeSpan NextDelay(int attempt)
    {
        var ceiling = Math.Min(MaxDelay.TotalMilliseconds, BaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1));
        return TimeSpan.FromMilliseconds(ceiling * _random());
    }
}
