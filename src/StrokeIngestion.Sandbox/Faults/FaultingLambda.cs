using System.Text.Json.Nodes;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Sandbox.StepFunctions.Asl;

namespace StrokeIngestion.Sandbox.Faults;

/// <summary>
/// Wraps an in-process Lambda handler registered with the Step Functions emulator and makes
/// its invocations fail as <see cref="LambdaFaults"/> says ("kill the monitor"). Failures are
/// raised the way the emulator's Lambda integration reports real ones: service-side errors as
/// <see cref="StatesErrorException"/> with Lambda's error names, a crashed runtime as an error
/// named <c>Runtime.ExitError</c>, a hang by never answering until the function's timeout
/// cancels the invocation.
/// </summary>
internal sealed class FaultingLambda
{
    public const string RuntimeExitError = "Runtime.ExitError";

    private readonly Func<Stream, CancellationToken, Task<Stream>> _inner;
    private readonly TimeProvider _time;
    private readonly Random _random;
    private readonly Lock _randomGate = new();
    private LambdaFaults _faults;
    private long _invocations;
    private long _throttled;
    private long _serviceErrors;
    private long _crashes;
    private long _crashesAfterRun;
    private long _timeouts;
    private long _delayed;

    public FaultingLambda(Func<Stream, CancellationToken, Task<Stream>> inner, LambdaFaults faults, int seed, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(faults);
        faults.Validate();
        _inner = inner;
        _faults = faults;
        _random = new Random(seed);
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The faults applied from the next invocation on; validated when set.</summary>
    public LambdaFaults Faults
    {
        get => Volatile.Read(ref _faults);
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            value.Validate();
            Volatile.Write(ref _faults, value);
        }
    }

    public LambdaFaultCounts Counts => new(
        Interlocked.Read(ref _invocations),
        Interlocked.Read(ref _throttled),
        Interlocked.Read(ref _serviceErrors),
        Interlocked.Read(ref _crashes),
        Interlocked.Read(ref _crashesAfterRun),
        Interlocked.Read(ref _timeouts),
        Interlocked.Read(ref _delayed));

    /// <summary>The handler to register with the emulator in place of the inner one.</summary>
    public async Task<Stream> InvokeAsync(Stream input, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _invocations);
        var faults = Faults;
        double outcome, latencyDraw, latencyFraction;
        lock (_randomGate)
        {
            outcome = _random.NextDouble();
            latencyDraw = _random.NextDouble();
            latencyFraction = _random.NextDouble();
        }

        if (latencyDraw < faults.LatencyRate)
        {
            Interlocked.Increment(ref _delayed);
            await Task.Delay(faults.MinLatency + ((faults.MaxLatency - faults.MinLatency) * latencyFraction), _time, cancellationToken);
        }

        var threshold = faults.ThrottleRate;
        if (outcome < threshold)
        {
            Interlocked.Increment(ref _throttled);
            throw new StatesErrorException("Lambda.TooManyRequestsException", ServiceCause("TooManyRequestsException", "Rate Exceeded.", 429));
        }

        threshold += faults.ServiceErrorRate;
        if (outcome < threshold)
        {
            Interlocked.Increment(ref _serviceErrors);
            throw new StatesErrorException("Lambda.ServiceException", ServiceCause("ServiceException", "Lambda encountered an internal error.", 500));
        }

        threshold += faults.CrashRate;
        if (outcome < threshold)
        {
            Interlocked.Increment(ref _crashes);
            throw Crashed();
        }

        threshold += faults.CrashAfterRunRate;
        if (outcome < threshold)
        {
            await using (await _inner(input, cancellationToken))
            {
                Interlocked.Increment(ref _crashesAfterRun);
                throw Crashed();
            }
        }

        threshold += faults.TimeoutRate;
        if (outcome < threshold)
        {
            Interlocked.Increment(ref _timeouts);

            // Only the emulator's function timeout (or the execution ending) gets us out of here.
            await Task.Delay(Timeout.InfiniteTimeSpan, _time, cancellationToken);
        }

        var output = await _inner(input, cancellationToken);
        return faults.CrashWhenReady ? await CrashIfReadyAsync(output, cancellationToken) : output;
    }

    private async Task<Stream> CrashIfReadyAsync(Stream output, CancellationToken cancellationToken)
    {
        var answer = new MemoryStream();
        await using (output)
        {
            await output.CopyToAsync(answer, cancellationToken);
        }

        answer.Position = 0;
        var status = JsonNode.Parse(answer.ToArray())?["status"];
        if (status is JsonValue value && value.TryGetValue<string>(out var text) && text == StudyStatus.ReadyForAnalysis)
        {
            await answer.DisposeAsync();
            Interlocked.Increment(ref _crashesAfterRun);
            throw Crashed();
        }

        return answer;
    }

    private static StatesErrorException Crashed() =>
        new(
            RuntimeExitError,
            new JsonObject { ["errorType"] = RuntimeExitError, ["errorMessage"] = "RequestId: sandbox Error: Runtime exited without providing a reason" }.ToJsonString());

    private static string ServiceCause(string type, string message, int status) =>
        $"{message} (Service: AWSLambda; Status Code: {status}; Error Code: {type}; Request ID: sandbox; Proxy: null)";
}
