using System.Globalization;

namespace StrokeIngestion.Sandbox.Quotas;

/// <summary>
/// A count, not a rate: at most <see cref="Limit"/> holders at once (Lambda's concurrent
/// executions). <see cref="TryEnter"/> answers a lease to dispose when the work ends, or null
/// when every slot is taken. Thread-safe.
/// </summary>
internal sealed class ConcurrencyLimit
{
    private int _inUse;
    private long _refused;

    public ConcurrencyLimit(int limit)
    {
        if (limit < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, "A concurrency limit cannot be negative.");
        }

        Limit = limit;
    }

    public int Limit { get; }

    public int InUse => Volatile.Read(ref _inUse);

    /// <summary>Entries refused because every slot was taken.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    public IDisposable? TryEnter()
    {
        while (true)
        {
            var current = Volatile.Read(ref _inUse);
            if (current >= Limit)
            {
                Interlocked.Increment(ref _refused);
                return null;
            }

            if (Interlocked.CompareExchange(ref _inUse, current + 1, current) == current)
            {
                return new Lease(this);
            }
        }
    }

    public override string ToString() => Limit.ToString(CultureInfo.InvariantCulture);

    private sealed class Lease(ConcurrencyLimit owner) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                Interlocked.Decrement(ref owner._inUse);
            }
        }
    }
}
