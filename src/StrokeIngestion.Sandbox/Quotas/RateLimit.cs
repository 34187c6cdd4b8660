using System.Globalization;

namespace StrokeIngestion.Sandbox.Quotas;

/// <summary>
/// A token-bucket limit as AWS states its quotas: a steady rate in requests per second and a
/// burst (the bucket's size). <see cref="Unlimited"/> admits everything.
/// </summary>
/// <param name="RatePerSecond">Tokens added per second; positive infinity means no limit.</param>
/// <param name="Burst">Tokens the bucket holds at most (and starts with).</param>
internal sealed record RateLimit(double RatePerSecond, int Burst)
{
    public static RateLimit Unlimited { get; } = new(double.PositiveInfinity, int.MaxValue);

    public bool IsUnlimited => double.IsPositiveInfinity(RatePerSecond);

    /// <summary>
    /// The same limit on a clock that runs <paramref name="timeScale"/> times as long as stack
    /// time (0.1: a 20 s import takes 2 s), so the rate in real time is rate ÷ timeScale; the
    /// burst is a count and stays. A time scale of 0 removes the limit.
    /// </summary>
    public RateLimit InRealTime(double timeScale)
    {
        if (double.IsNaN(timeScale) || timeScale < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(timeScale), timeScale, "The time scale must be a non-negative number.");
        }

        return IsUnlimited || timeScale == 0 ? Unlimited : this with { RatePerSecond = RatePerSecond / timeScale };
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming <paramref name="name"/> when the limit cannot admit anything.</summary>
    public void Validate(string name)
    {
        if (double.IsNaN(RatePerSecond) || RatePerSecond <= 0)
        {
            throw new ArgumentException($"{name}: the rate must be a positive number of requests per second, not {RatePerSecond.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (Burst < 1)
        {
            throw new ArgumentException($"{name}: the burst must be at least 1, not {Burst.ToString(CultureInfo.InvariantCulture)}.");
        }
    }

    public override string ToString() => IsUnlimited
        ? "unlimited"
        : string.Create(CultureInfo.InvariantCulture, $"{RatePerSecond:0.###}/s burst {Burst}");
}
