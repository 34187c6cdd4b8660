using System.Text;

namespace StrokeIngestion.Sandbox.Host;

/// <summary>
/// How an EventBridge rule hands events to a Lambda target, locally: each delivery runs in the
/// background (an asynchronous invoke), a failed invocation is retried with doubling delays
/// (the target's RetryAttempts, 8 in the stack) and, when every
/// attempt failed, counted as dead-lettered and reported on the progress writer.
/// </summary>
internal sealed class RuleTargetDelivery : IAsyncDisposable
{
    /// <summary>The rule targets' RetryAttempts in the stack.</summary>
    public const int RetryAttempts = 8;

    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(5);

    private readonly Func<Stream, Task<Stream>> _invoke;
    private readonly string _ruleName;
    private readonly TextWriter _progress;
    private readonly TimeSpan _firstRetryDelay;
    private readonly int _retryAttempts;
    private readonly List<Task> _pending = [];
    private readonly Lock _gate = new();
    private int _invocations;
    private int _delivered;
    private int _deadLettered;

    /// <param name="invoke">The target function's handler.</param>
    /// <param name="ruleName">Names the rule in what is reported.</param>
    /// <param name="progress">Where a dead-lettered event is reported.</param>
    /// <param name="firstRetryDelay">Doubles per retry, at most 5 s.</param>
    /// <param name="retryAttempts">The target's RetryAttempts.</param>
    public RuleTargetDelivery(Func<Stream, Task<Stream>> invoke, string ruleName, TextWriter progress, TimeSpan firstRetryDelay, int retryAttempts = RetryAttempts)
    {
        _retryAttempts = retryAttempts;
        _invoke = invoke;
        _ruleName = ruleName;
        _progress = progress;
        _firstRetryDelay = firstRetryDelay;
    }

    /// <summary>Invocations of the target, retries included.</summary>
    public int Invocations => Volatile.Read(ref _invocations);

    /// <summary>Events the target accepted (an invocation that did not fail).</summary>
    public int Delivered => Volatile.Read(ref _delivered);

    /// <summary>Events whose every invocation failed (in AWS: parked in the dead-letter queue).</summary>
    public int DeadLettered => Volatile.Read(ref _deadLettered);

    /// <summary>Starts delivering <paramref name="payload"/> after <paramref name="delay"/>; <paramref name="label"/> names it in reports (no patient data).</summary>
    public void Deliver(string label, string payload, TimeSpan delay = default)
    {
        lock (_gate)
        {
            _pending.RemoveAll(t => t.IsCompleted);
            _pending.Add(Task.Run(() => DeliverAsync(label, payload, delay)));
        }
    }

    /// <summary>Completes when every event handed over so far has been delivered or dead-lettered.</summary>
    public async Task DrainAsync()
    {
        while (true)
        {
            Task[] pending;
            lock (_gate)
            {
                _pending.RemoveAll(t => t.IsCompleted);
                pending = [.. _pending];
            }

            if (pending.Length == 0)
            {
                return;
            }

            await Task.WhenAll(pending);
        }
    }

    public async ValueTask DisposeAsync() => await DrainAsync();

    private async Task DeliverAsync(string label, string payload, TimeSpan delay)
    {
        if (delay > TimeSpan.Zero)
        {
            await Task.Delay(delay);
        }

        for (var attempt = 0; ; attempt++)
        {
            Interlocked.Increment(ref _invocations);
            try
            {
                await using var output = await _invoke(new MemoryStream(Encoding.UTF8.GetBytes(payload)));
                Interlocked.Increment(ref _delivered);
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                if (attempt >= _retryAttempts)
                {
                    // EventBridge would park it in the dead-letter queue; the sandbox says so.
                    Interlocked.Increment(ref _deadLettered);
                    await _progress.WriteLineAsync($"sandbox: rule {_ruleName}: {label} failed {attempt + 1} times: {ex.GetType().Name}");
                    return;
                }
            }

            var retryDelay = _firstRetryDelay * Math.Pow(2, attempt);
            await Task.Delay(retryDelay < MaxRetryDelay ? retryDelay : MaxRetryDelay);
        }
    }
}
