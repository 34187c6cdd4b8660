using StrokeIngestion.Core.Errors;
using StrokeIngestion.Core.Resilience;

namespace StrokeIngestion.Core.Tests.Resilience;

public sealed class RetryPolicyTests
{
    private readonly List<TimeSpan> _delays = [];

    private RetryPolicy Policy(int attempts, double random = 1.0) => new(
        attempts,
        TimeSpan.FromMilliseconds(100),
        TimeSpan.FromMilliseconds(350),
        (delay, _) =>
        {
            _delays.Add(delay);
            return Task.CompletedTask;
        },
        () => random);

    [Fact]
    public async Task RunAsync_WhenTransientFailuresThenSuccess_ShouldRetryWithCappedExponentialBackoff()
    {
        var calls = 0;

        var result = await Policy(5).RunAsync(
            _ => ++calls < 5 ? throw new TransientDependencyException(Dependency.S3, "SlowDown", "slow", throttled: true) : Task.FromResult(42),
            CancellationToken.None);

        Assert.Equal(42, result);
        Assert.Equal([100, 200, 350, 350], _delays.Select(d => d.TotalMilliseconds));
    }

    [Fact]
    public async Task RunAsync_WhenAttemptsExhausted_ShouldRethrowTheLastTransientError()
    {
        var calls = 0;

        await Assert.ThrowsAsync<TransientDependencyException>(() => Policy(3).RunAsync<int>(
            _ =>
            {
                calls++;
                throw new TransientDependencyException(Dependency.DynamoDb, "InternalServerError", "500", throttled: false);
            },
            CancellationToken.None));

        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task RunAsync_WhenFailureIsNotTransient_ShouldNotRetry()
    {
        var calls = 0;

        await Assert.ThrowsAsync<DependencyException>(() => Policy(5).RunAsync<int>(
            _ =>
            {
                calls++;
                throw new DependencyException(Dependency.HealthImaging, "ValidationException", "400");
            },
            CancellationToken.None));

        Assert.Equal(1, calls);
        Assert.Empty(_delays);
    }

    [Fact]
    public async Task RunAsync_WhenJitterDrawsLow_ShouldWaitLess()
    {
        var calls = 0;

        await Policy(2, random: 0.25).RunAsync(
            _ => ++calls < 2 ? throw new TransientDependencyException(Dependency.S3, "SlowDown", "slow", throttled: true) : Task.FromResult(0),
            CancellationToken.None);

        Assert.Equal(TimeSpan.FromMilliseconds(25), Assert.Single(_delays));
    }
}
