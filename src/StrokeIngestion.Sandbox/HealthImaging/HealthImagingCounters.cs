using System.Collections.Concurrent;

namespace StrokeIngestion.Sandbox.HealthImaging;

/// <summary>
/// What clients did to the emulator, for assertions such as "the pipeline started exactly one
/// import per study" after retries, throttling and redeliveries.
/// </summary>
internal sealed class HealthImagingCounters
{
    private readonly ConcurrentDictionary<HealthImagingOperation, int> _requests = new();
    private readonly ConcurrentDictionary<HealthImagingOperation, int> _injectedFaults = new();
    private readonly ConcurrentDictionary<HealthImagingOperation, int> _throttled = new();
    private int _quotaExceeded;
    private readonly ConcurrentDictionary<string, int> _startRequestsByClientToken = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _jobsByClientToken = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _jobsByInputS3Uri = new(StringComparer.Ordinal);

    /// <summary>Requests received for the operation, whatever their outcome.</summary>
    public int Requests(HealthImagingOperation operation) => _requests.GetValueOrDefault(operation);

    /// <summary>Requests answered with an injected 429 or 500.</summary>
    public int InjectedFaults(HealthImagingOperation operation) => _injectedFaults.GetValueOrDefault(operation);

    /// <summary>Requests refused with 429 ThrottlingException by the operation's rate limit (not injected).</summary>
    public int Throttled(HealthImagingOperation operation) => _throttled.GetValueOrDefault(operation);

    /// <summary>StartDICOMImportJob requests refused with 402 ServiceQuotaExceededException (too many running jobs).</summary>
    public int QuotaExceeded => Volatile.Read(ref _quotaExceeded);

    /// <summary>StartDICOMImportJob requests, whatever their answer, per job created (0 before the first job): the cost of admission.</summary>
    public double StartCallsPerJob => TotalJobsCreated == 0 ? 0 : (double)Requests(HealthImagingOperation.StartDICOMImportJob) / TotalJobsCreated;

    /// <summary>StartDICOMImportJob requests that passed validation with this client token.</summary>
    public int StartRequests(string clientToken) => _startRequestsByClientToken.GetValueOrDefault(clientToken);

    /// <summary>Jobs created for this client token (idempotency keeps it at most 1).</summary>
    public int JobsCreated(string clientToken) => _jobsByClientToken.GetValueOrDefault(clientToken);

    /// <summary>Jobs created reading this input prefix: more than 1 means a duplicate import.</summary>
    public int JobsCreatedForInput(string inputS3Uri) => _jobsByInputS3Uri.GetValueOrDefault(inputS3Uri);

    public int TotalJobsCreated => _jobsByClientToken.Values.Sum();

    /// <summary>Jobs beyond the first per input prefix, summed over all prefixes.</summary>
    public int DuplicateImports => _jobsByInputS3Uri.Values.Sum(n => n - 1);

    internal void RecordRequest(HealthImagingOperation operation) => _requests.AddOrUpdate(operation, 1, (_, n) => n + 1);

    internal void RecordInjectedFault(HealthImagingOperation operation) => _injectedFaults.AddOrUpdate(operation, 1, (_, n) => n + 1);

    internal void RecordThrottled(HealthImagingOperation operation) => _throttled.AddOrUpdate(operation, 1, (_, n) => n + 1);

    internal void RecordQuotaExceeded() => Interlocked.Increment(ref _quotaExceeded);

    internal void RecordStartRequest(string clientToken) => _startRequestsByClientToken.AddOrUpdate(clientToken, 1, (_, n) => n + 1);

    internal void RecordJobCreated(string clientToken, string inputS3Uri)
    {
        _jobsByClientToken.AddOrUpdate(clientToken, 1, (_, n) => n + 1);
        _jobsByInputS3Uri.AddOrUpdate(inputS3Uri, 1, (_, n) => n + 1);
    }
}
