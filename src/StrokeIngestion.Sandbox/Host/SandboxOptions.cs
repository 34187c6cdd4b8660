using StrokeIngestion.Sandbox.HealthImaging;
using StrokeIngestion.Sandbox.Quotas;

namespace StrokeIngestion.Sandbox.Host;

/// <summary>How the local sandbox runs. Ports 0 mean "any free port".</summary>
internal sealed record SandboxOptions
{
    /// <summary>The cloud assembly <c>cdk synth</c> wrote (the sandbox runs what the stack defines).</summary>
    public string CdkOutDirectory { get; init; } = "cdk.out";

    public string? StackName { get; init; }

    /// <summary>Where the env file, logs and event log go.</summary>
    public string StateDirectory { get; init; } = ".sandbox";

    public int ApiPort { get; init; }

    public int S3Port { get; init; }

    public int DynamoDbPort { get; init; }

    public int HealthImagingPort { get; init; }

    public int StepFunctionsPort { get; init; }

    /// <summary>Multiplies the state machine's Wait and Retry intervals (0.1 turns the 30 s poll into 3 s).</summary>
    public double TimeScale { get; init; } = 0.1;

    /// <summary>
    /// Multiplies Task, function and execution timeouts (0.1 turns the monitor's 60 s timeout into 6 s).
    /// Kept apart from <see cref="TimeScale"/>: the work a function does does not speed up.
    /// </summary>
    public double TimeoutScale { get; init; } = 1.0;

    /// <summary>Faults to inject into every dependency; null runs without proxies or fault knobs.</summary>
    public SandboxFaults? Faults { get; init; }

    /// <summary>
    /// An emulated import's fixed run time in stack time (× <see cref="TimeScale"/> on the
    /// clock): SUBMITTED for the first half, then IN_PROGRESS.
    /// </summary>
    public TimeSpan ImportTime { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>What each input file adds to an import's run time, in stack time.</summary>
    public TimeSpan ImportTimePerFile { get; init; } = TimeSpan.FromSeconds(0.1);

    /// <summary>StartDICOMImportJob's rate in stack time (the strictest documented default: 1 TPS, burst 2).</summary>
    public RateLimit HealthImagingStartRate { get; init; } = HealthImagingEmulatorOptions.DocumentedStartRate;

    /// <summary>Import jobs SUBMITTED or IN_PROGRESS at once (a count, not scaled); one more is refused with 402.</summary>
    public int HealthImagingMaxJobs { get; init; } = 100;

    /// <summary>
    /// The account's Lambda concurrency (a count, not scaled): functions without reserved
    /// concurrency share what reservations leave of it.
    /// </summary>
    public int AccountConcurrency { get; init; } = 1000;

    /// <summary>The emulator's settings: the quotas above with times × <see cref="TimeScale"/> and rates ÷ it.</summary>
    public HealthImagingEmulatorOptions HealthImagingQuotas(HealthImagingEmulatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options with
        {
            ImportTime = ImportTime * TimeScale,
            ImportTimePerFile = ImportTimePerFile * TimeScale,
            StartRate = HealthImagingStartRate.InRealTime(TimeScale),
            GetRate = HealthImagingEmulatorOptions.DocumentedGetRate.InRealTime(TimeScale),
            ListRate = HealthImagingEmulatorOptions.DocumentedListRate.InRealTime(TimeScale),
            MaxConcurrentJobs = HealthImagingMaxJobs,
        };
    }

    /// <summary>The datastore id the HealthImaging emulator serves (a deployed stack gets one from AWS).</summary>
    public string DatastoreId { get; init; } = "5a4d1e0c2b3f4a6e8d7c9b0a1f2e3d4c";

    public const string Region = "us-east-1";

    public const string AccountId = "000000000000";
}
