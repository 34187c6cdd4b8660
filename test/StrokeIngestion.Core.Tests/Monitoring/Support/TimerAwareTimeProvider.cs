using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace StrokeIngestion.Core.Tests.Monitoring.Support;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that also reports when code starts waiting on it, so a
/// test can advance time exactly when the code under test is parked in <c>Task.Delay</c>
/// (the continuation may run on another thread; advancing too early would be lost).
/// </summary>
internal sealed class TimerAwareTimeProvider : FakeTimeProvider
{
    private readonly Channel<TimeSpan> _timersCreated = Channel.CreateUnbounded<TimeSpan>();

    public TimerAwareTimeProvider(DateTimeOffset start)
        : base(start)
    {
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        _timersCreated.Writer.TryWrite(dueTime);
        return timer;
    }

    /// <summary>Waits (in real time, bounded) until the code under test has created its next timer.</summary>
    public async Task WaitForTimerAsync()
    {
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _timersCreated.Reader.ReadAsync(patience.Token);
        }
        catch (OperationCanceledException exception)
        {
            throw new TimeoutException("The code under test never started waiting.", exception);
        }
    }
}
