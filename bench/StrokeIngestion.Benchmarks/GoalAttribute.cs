namespace StrokeIngestion.Benchmarks;

/// <summary>
/// The performance goal a benchmark is judged against in the final table (issue
/// "Performance"): median time per operation and bytes allocated per operation.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
internal sealed class GoalAttribute : Attribute
{
    public GoalAttribute(double maxMilliseconds, int maxKilobytes)
    {
        MaxMilliseconds = maxMilliseconds;
        MaxKilobytes = maxKilobytes;
    }

    public double MaxMilliseconds { get; }

    public int MaxKilobytes { get; }
}
