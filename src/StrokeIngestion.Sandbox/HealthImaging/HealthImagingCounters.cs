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
    private readonly ConcurrentDictionary<string, int> _startRequestsByClientToken = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _jobsByClientToken = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _jobsByInputS3Uri = new(StringComparer.Ordinal);

    /// <summary>Requests received for the operation, whatever their outcome.</summary>
    public int Requests(HealthImagingOperation operation) => _requests.GetValueOrDefault(operation);

    /// <summary>Requests answered with an injected 429 or 500.</summary>
    public int InjectedFaults(HealthImagingOperation operation) => _injectedFaults.GetValueOrDefault(operation);

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

    internal void RecordStartRequest(string clientToken) => _startRequestsByClientToken.AddOrUpdate(clientToken, 1, (_, n) => n + 1);

    internal void RecordJobCreated(string clientToken, string inputS3Uri)
    {
        _jobsByClientToken.AddOrUpdate(clientToken, 1, (_, n) => n + 1);
        _jobsByInputS3Uri.AddOrUpdate(inputS3Uri, 1, (_, n) => n + 1);
    }
}
