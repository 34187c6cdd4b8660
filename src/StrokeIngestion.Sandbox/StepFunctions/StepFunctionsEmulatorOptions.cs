using Microsoft.Extensions.Logging;

namespace StrokeIngestion.Sandbox.StepFunctions;

/// <summary>Knobs of the local Step Functions emulator.</summary>
internal sealed record StepFunctionsEmulatorOptions
{
    /// <summary>The longest single timer the emulator arms; longer waits are capped (AWS allows a year).</summary>
    private static readonly TimeSpan MaxTimer = TimeSpan.FromDays(30);

    public string Region { get; init; } = "us-east-1";

    public string AccountId { get; init; } = "000000000000";

    public string Partition { get; init; } = "aws";

    /// <summary>Clock for dates, Wait states, retry intervals and timeouts (FakeTimeProvider in tests).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Multiplies every Wait duration and Retry interval: 0.001 turns a 30 s Wait into 30 ms,
    /// 0 skips waiting altogether.
    /// </summary>
    public double TimeScale { get; init; } = 1.0;

    /// <summary>
    /// Multiplies Task and execution TimeoutSeconds and Lambda function timeouts. Kept apart from
    /// <see cref="TimeScale"/> because the work a Task does (a real handler call) does not speed up.
    /// </summary>
    public double TimeoutScale { get; init; } = 1.0;

    /// <summary>History events after which an execution fails, as AWS does at 25,000.</summary>
    public int MaxHistoryEvents { get; init; } = 25_000;

    /// <summary>When set, every recorded EventBridge event is appended to this file (JSON lines).</summary>
    public string? EventLogPath { get; init; }

    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>Seed of the Random behind <see cref="StepFunctionsEmulator.Faults"/>, so a run's faults repeat.</summary>
    public int FaultSeed { get; init; } = 1;

    /// <summary>Source of randomness for <c>"JitterStrategy": "FULL"</c>.</summary>
    public Random Random { get; init; } = Random.Shared;

    public static TimeSpan Scale(double seconds, double factor)
    {
        if (seconds <= 0 || factor <= 0)
        {
            return TimeSpan.Zero;
        }

        var scaled = seconds * factor;
        return scaled >= MaxTimer.TotalSeconds ? MaxTimer : TimeSpan.FromSeconds(scaled);
    }
}
