using System.Collections.Concurrent;

namespace StrokeIngestion.Sandbox.Faults;

/// <summary>What happened to the requests of one operation (or of all of them), at one moment.</summary>
/// <param name="Requests">Requests received, whatever their outcome.</param>
/// <param name="Forwarded">Requests the upstream answered (including those whose answer was then replaced).</param>
/// <param name="Throttled">Answered with the injected throttling error.</param>
/// <param name="ServerErrors">Answered with an injected 500 without forwarding.</param>
/// <param name="ServerErrorsAfterForward">Forwarded, then answered with an injected 500.</param>
/// <param name="Delayed">Held back by injected latency.</param>
/// <param name="UpstreamFailures">The upstream could not be reached or broke off (answered 502 or aborted).</param>
internal sealed record FaultCounts(
    long Requests,
    long Forwarded,
    long Throttled,
    long ServerErrors,
    long ServerErrorsAfterForward,
    long Delayed,
    long UpstreamFailures)
{
    public static FaultCounts Zero { get; } = new(0, 0, 0, 0, 0, 0, 0);

    /// <summary>Requests the client saw fail because of an injected fault (latency does not count).</summary>
    public long InjectedErrors => Throttled + ServerErrors + ServerErrorsAfterForward;

    public long Injected(FaultKind kind) => kind switch
    {
        FaultKind.Throttle => Throttled,
        FaultKind.ServerError => ServerErrors,
        FaultKind.ServerErrorAfterForward => ServerErrorsAfterForward,
        FaultKind.Latency => Delayed,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}

/// <summary>
/// Per-operation tallies of a <see cref="FaultInjectingProxy"/>, for assertions such as "at
/// least 20% of calls were faulted". Operation names: DynamoDB's <c>X-Amz-Target</c> action
/// (<c>PutItem</c>), S3's from <see cref="S3OperationNames"/>. Safe to read while requests run.
/// </summary>
internal sealed class FaultProxyCounters
{
    private readonly ConcurrentDictionary<string, Tally> _byOperation = new(StringComparer.Ordinal);

    /// <summary>All operations together.</summary>
    public FaultCounts Total => Sum(_byOperation.Values);

    /// <summary>The counts of one operation; zeros when it was never seen.</summary>
    public FaultCounts For(string operation) =>
        _byOperation.TryGetValue(operation, out var tally) ? tally.Snapshot() : FaultCounts.Zero;

    /// <summary>Every operation seen so far.</summary>
    public IReadOnlyDictionary<string, FaultCounts> ByOperation =>
        _byOperation.ToDictionary(p => p.Key, p => p.Value.Snapshot(), StringComparer.Ordinal);

    /// <summary>Forgets everything counted so far (e.g. after a test's setup calls).</summary>
    public void Reset() => _byOperation.Clear();

    internal void Record(string operation, Outcome outcome)
    {
        var tally = _byOperation.GetOrAdd(operation, _ => new Tally());
        switch (outcome)
        {
            case Outcome.Request:
                Interlocked.Increment(ref tally.Requests);
                break;
            case Outcome.Forwarded:
                Interlocked.Increment(ref tally.Forwarded);
                break;
            case Outcome.Throttled:
                Interlocked.Increment(ref tally.Throttled);
                break;
            case Outcome.ServerError:
                Interlocked.Increment(ref tally.ServerErrors);
                break;
            case Outcome.ServerErrorAfterForward:
                Interlocked.Increment(ref tally.ServerErrorsAfterForward);
                break;
            case Outcome.Delayed:
                Interlocked.Increment(ref tally.Delayed);
                break;
            case Outcome.UpstreamFailure:
                Interlocked.Increment(ref tally.UpstreamFailures);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null);
        }
    }

    private static FaultCounts Sum(IEnumerable<Tally> tallies) =>
        tallies.Select(t => t.Snapshot()).Aggregate(FaultCounts.Zero, (a, b) => new FaultCounts(
            a.Requests + b.Requests,
            a.Forwarded + b.Forwarded,
            a.Throttled + b.Throttled,
            a.ServerErrors + b.ServerErrors,
            a.ServerErrorsAfterForward + b.ServerErrorsAfterForward,
            a.Delayed + b.Delayed,
            a.UpstreamFailures + b.UpstreamFailures));

    internal enum Outcome
    {
        Request,
        Forwarded,
        Throttled,
        ServerError,
        ServerErrorAfterForward,
        Delayed,
        UpstreamFailure,
    }

    private sealed class Tally
    {
        public long Requests;
        public long Forwarded;
        public long Throttled;
        public long ServerErrors;
        public long ServerErrorsAfterForward;
        public long Delayed;
        public long UpstreamFailures;

        public FaultCounts Snapshot() => new(
            Interlocked.Read(ref Requests),
            Interlocked.Read(ref Forwarded),
            Interlocked.Read(ref Throttled),
            Interlocked.Read(ref ServerErrors),
            Interlocked.Read(ref ServerErrorsAfterForward),
            Interlocked.Read(ref Delayed),
            Interlocked.Read(ref UpstreamFailures));
    }
}
