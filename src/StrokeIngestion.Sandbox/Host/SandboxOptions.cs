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

    /// <summary>How long an emulated import stays SUBMITTED, then IN_PROGRESS.</summary>
    public TimeSpan ImportPhaseDuration { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The datastore id the HealthImaging emulator serves (a deployed stack gets one from AWS).</summary>
    public string DatastoreId { get; init; } = "5a4d1e0c2b3f4a6e8d7c9b0a1f2e3d4c";

    public const string Region = "us-east-1";

    public const string AccountId = "000000000000";
}
