using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using StrokeIngestion.Sandbox.Template;

namespace StrokeIngestion.Sandbox.Queues;

/// <summary>
/// An <c>AWS::Events::Rule</c> with <c>rate(n minutes)</c> targeting a function with constant
/// input (the dispatcher's sweep), run on the sandbox's clock: every n minutes × time scale.
/// </summary>
internal sealed partial class ScheduledRule : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _runs;
    private long _failures;

    private ScheduledRule(string name, TimeSpan period, string input, Func<Stream, Task<Stream>> invoke)
    {
        Name = name;
        Period = period;
        _loop = Task.Run(() => LoopAsync(period, input, invoke));
    }

    public string Name { get; }

    public TimeSpan Period { get; }

    public long Runs => Interlocked.Read(ref _runs);

    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>The rules whose schedule targets <paramref name="functionArn"/>: (rule name, rate, input).</summary>
    public static IReadOnlyList<(string Name, TimeSpan Rate, string Input)> Find(SynthesizedTemplate template, string functionArn)
    {
        var found = new List<(string, TimeSpan, string)>();
        foreach (var rule in template.ResourcesOfType("AWS::Events::Rule"))
        {
            if (template.ResolveStringProperty(rule, "ScheduleExpression") is not { } schedule || RatePattern().Match(schedule) is not { Success: true } rate)
            {
                continue;
            }

            var amount = int.Parse(rate.Groups["n"].Value, CultureInfo.InvariantCulture);
            var period = rate.Groups["unit"].Value.StartsWith("hour", StringComparison.Ordinal) ? TimeSpan.FromHours(amount) : TimeSpan.FromMinutes(amount);
            foreach (var target in template.ResolveProperty(rule, "Targets")?.AsArray() ?? [])
            {
                if (target?["Arn"]?.GetValue<string>() == functionArn)
                {
                    found.Add((template.ResolveStringProperty(rule, "Name") ?? rule.LogicalId, period, target["Input"]?.GetValue<string>() ?? "{}"));
                }
            }
        }

        return found;
    }

    public static ScheduledRule Start(string name, TimeSpan period, string input, Func<Stream, Task<Stream>> invoke) => new(name, period, input, invoke);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }

    private async Task LoopAsync(TimeSpan period, string input, Func<Stream, Task<Stream>> invoke)
    {
        using var timer = new PeriodicTimer(period);
        while (await timer.WaitForNextTickAsync(_stop.Token))
        {
            try
            {
                await using var output = await invoke(new MemoryStream(Encoding.UTF8.GetBytes(input)));
                Interlocked.Increment(ref _runs);
            }
#pragma warning disable CA1031 // EventBridge retries a failed target later; the next tick is that retry here.
            catch (Exception)
#pragma warning restore CA1031
            {
                Interlocked.Increment(ref _failures);
            }
        }
    }

    [GeneratedRegex(@"^rate\((?<n>[0-9]+) (?<unit>minutes?|hours?)\)$")]
    private static partial Regex RatePattern();
}
