using StrokeIngestion.Sandbox.HealthImaging;
using StrokeIngestion.Sandbox.Host;

namespace StrokeIngestion.Sandbox.Proof;

/// <summary>What was injected into one dependency during a run, counted where it was injected.</summary>
/// <param name="Requests">Calls the dependency received from the pipeline.</param>
/// <param name="InjectedErrors">Calls answered with an injected throttle, server error or kill.</param>
/// <param name="Delayed">Calls held back by injected latency.</param>
internal sealed record DependencyFaults(string Dependency, long Requests, long InjectedErrors, long Delayed)
{
    public double ErrorRate => Requests == 0 ? 0 : (double)InjectedErrors / Requests;

    public double DelayRate => Requests == 0 ? 0 : (double)Delayed / Requests;

    /// <summary>The dependencies (and HealthImaging's event delivery), from the sandbox's counters; proxies absent count zero.</summary>
    public static IReadOnlyList<DependencyFaults> From(SandboxHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var s3 = host.S3Proxy?.Counters.Total;
        var dynamoDb = host.DynamoDbProxy?.Counters.Total;
        var operations = Enum.GetValues<HealthImagingOperation>();
        var healthImagingFaults = host.HealthImaging.Faults;
        var stepFunctions = host.StepFunctions.FaultCounts;
        var monitor = host.Monitor.Counts;
        var dispatcher = host.Dispatcher?.Counts;
        var api = host.Api.FaultCounts;
        var events = host.ImportEvents.Counts;
        return
        [
            new("S3", s3?.Requests ?? 0, s3?.InjectedErrors ?? 0, s3?.Delayed ?? 0),
            new("DynamoDB", dynamoDb?.Requests ?? 0, dynamoDb?.InjectedErrors ?? 0, dynamoDb?.Delayed ?? 0),
            new(
                "HealthImaging",
                operations.Sum(op => (long)host.HealthImaging.Counters.Requests(op)),
                operations.Sum(op => (long)host.HealthImaging.Counters.InjectedFaults(op)),
                operations.Where(op => healthImagingFaults.For(op).AddedLatency > TimeSpan.Zero).Sum(op => (long)host.HealthImaging.Counters.Requests(op))),
            new("StepFunctions", stepFunctions.Requests, stepFunctions.InjectedErrors, stepFunctions.Delayed),
            new("ImportMonitor (Lambda)", monitor.Invocations, monitor.InjectedErrors, monitor.Delayed),
            new("ImportDispatcher (Lambda)", dispatcher?.Invocations ?? 0, dispatcher?.InjectedErrors ?? 0, dispatcher?.Delayed ?? 0),
            new("HTTP API (client side)", api.Requests, api.InjectedErrors, 0),

            // A dropped event is the injected "error"; duplicates are counted apart in the report.
            new("HealthImaging events", events.Matched, events.Dropped, events.Late),
        ];
    }
}
