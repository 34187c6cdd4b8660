using StrokeIngestion.Sandbox.Api;
using StrokeIngestion.Sandbox.Faults;
using StrokeIngestion.Sandbox.HealthImaging;
using StrokeIngestion.Sandbox.StepFunctions;

namespace StrokeIngestion.Sandbox.Host;

/// <summary>
/// Faults for every dependency of the pipeline at once. When set on <see cref="SandboxOptions.Faults"/>,
/// the sandbox puts a <see cref="FaultInjectingProxy"/> in front of s3rver and of dynalite and
/// points both functions (and the state machine's DynamoDB tasks) at the proxies, sets the
/// HealthImaging and Step Functions emulators' knobs and wraps the import monitor in a
/// <see cref="FaultingLambda"/>. Every knob can be changed later through the host.
/// </summary>
internal sealed record SandboxFaults
{
    public FaultProfile S3 { get; init; } = FaultProfile.None;

    public FaultProfile DynamoDb { get; init; } = FaultProfile.None;

    public HealthImagingFaults HealthImaging { get; init; } = HealthImagingFaults.None;

    public StepFunctionsFaults StepFunctions { get; init; } = StepFunctionsFaults.None;

    /// <summary>Between the clients and the upload handler (API Gateway): throttling and answers lost after the work was done.</summary>
    public ApiFaults Api { get; init; } = ApiFaults.None;

    /// <summary>Invocations of the import monitor by the state machine (not by the backstop rule).</summary>
    public LambdaFaults Monitor { get; init; } = LambdaFaults.None;

    /// <summary>The import dispatcher as its event source mappings invoke it: throttled, failing, crashing before or after its work.</summary>
    public LambdaFaults Dispatcher { get; init; } = LambdaFaults.None;

    /// <summary>HealthImaging's import-ended events on their way to the monitor: dropped, duplicated, late.</summary>
    public ImportEventFaults ImportEvents { get; init; } = ImportEventFaults.None;

    /// <summary>Seeds every fault draw (each dependency gets its own sequence derived from it).</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Faults wired, none injected: proxies in place, every rate zero.</summary>
    public static SandboxFaults None { get; } = new();

    /// <summary>
    /// Each call to each dependency fails with probability <paramref name="rate"/> — half
    /// throttled, half a server error (for S3, DynamoDB and Step Functions half of those after
    /// the request was applied, so the caller cannot tell whether its write happened; for the
    /// monitor <c>Lambda.ServiceException</c>) — and, independently, is slowed down with
    /// probability <paramref name="rate"/> by up to <paramref name="maxLatency"/> (HealthImaging:
    /// every call by a fixed fifth of it). The HTTP API in front of the upload handler throttles a
    /// quarter of that share, loses the answer of another quarter after the handler ran, and
    /// stalls a tenth until the client gives up: the cases clients retry with their Idempotency-Key.
    /// HealthImaging's import-ended events are lost with probability <paramref name="rate"/> (the
    /// workflow then ends through its timeout and the poll), delivered twice with half of it and
    /// late by up to <paramref name="maxLatency"/> × 10 with <paramref name="rate"/>.
    /// </summary>
    public static SandboxFaults Uniform(double rate, TimeSpan maxLatency, int seed)
    {
        if (double.IsNaN(rate) || rate is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(rate), rate, "A fault rate is between 0 and 1.");
        }

        var minLatency = maxLatency / 10;
        var proxy = new FaultProfile
        {
            ThrottleRate = rate / 2,
            ServerErrorRate = rate / 4,
            ServerErrorAfterForwardRate = rate / 4,
            LatencyRate = rate,
            MinLatency = minLatency,
            MaxLatency = maxLatency,
        };
        return new SandboxFaults
        {
            S3 = proxy,
            DynamoDb = proxy,
            HealthImaging = HealthImagingFaults.ForAllOperations(new OperationFaults
            {
                ThrottleRate = rate / 2,

                // The emulator draws the server error only for requests it did not throttle.
                ServerErrorRate = rate / 2 / (1 - (rate / 2)),
                AddedLatency = maxLatency / 5,
            }),
            StepFunctions = new StepFunctionsFaults
            {
                ThrottleRate = rate / 2,
                ServerErrorRate = rate / 4,
                ServerErrorAfterStartRate = rate / 4,
                LatencyRate = rate,
                MinLatency = minLatency,
                MaxLatency = maxLatency,
            },
            Api = new ApiFaults
            {
                ThrottleRate = rate / 4,
                LostAnswerRate = rate / 4,
                StallRate = rate / 10,
            },
            Monitor = new LambdaFaults
            {
                ThrottleRate = rate / 2,
                ServiceErrorRate = rate / 2,
                LatencyRate = rate,
                MinLatency = minLatency,
                MaxLatency = maxLatency,
            },
            Dispatcher = new LambdaFaults
            {
                ThrottleRate = rate / 3,
                CrashRate = rate / 3,
                CrashAfterRunRate = rate / 3,
                LatencyRate = rate,
                MinLatency = minLatency,
                MaxLatency = maxLatency,
            },
            ImportEvents = new ImportEventFaults
            {
                DropRate = rate,
                DuplicateRate = rate / 2,
                LateRate = rate,
                MinLateness = maxLatency,
                MaxLateness = maxLatency * 10,
            },
            Seed = seed,
        };
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad knob.</summary>
    public void Validate()
    {
        S3.Validate();
        DynamoDb.Validate();
        StepFunctions.Validate();
        Api.Validate();
        Monitor.Validate();
        Dispatcher.Validate();
        ImportEvents.Validate();
    }
}
