using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Ports;

namespace StrokeIngestion.Benchmarks.Upload;

/// <summary>
/// An upload bucket holding one object, answering from memory with completed tasks. Reads
/// return the stored array itself (no copy): the benchmark measures the handler, and the
/// bytes a real ranged GET allocates belong to the remote call it excludes.
/// </summary>
internal sealed class SingleObjectStore : IObjectStore
{
    private static readonly Task<StoredObject?> Missing = Task.FromResult<StoredObject?>(null);
    private static readonly Task<string?> NoText = Task.FromResult<string?>(null);

    private readonly byte[] _content;
    private readonly Task<StoredObject?> _info;
    private readonly Task<byte[]> _whole;
    private readonly Task<IReadOnlyList<StoredObject>> _listing;
    private readonly Task<IReadOnlyList<StoredObject>> _emptyListing = Task.FromResult<IReadOnlyList<StoredObject>>([]);

    public SingleObjectStore(string bucketName, string key, byte[] content)
    {
        BucketName = bucketName;
        Key = key;
        _content = content;
        var stored = new StoredObject(key, content.Length, "\"0123456789abcdef0123456789abcdef\"", "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrH");
        _info = Task.FromResult<StoredObject?>(stored);
        _whole = Task.FromResult(content);
        _listing = Task.FromResult<IReadOnlyList<StoredObject>>([stored]);
    }

    public string BucketName { get; }

    public string Key { get; }

    public Task<StoredObject?> GetInfoAsync(string key, CancellationToken cancellationToken) =>
        string.Equals(key, Key, StringComparison.Ordinal) ? _info : Missing;

    public Task<IReadOnlyList<StoredObject>> ListAsync(string prefix, int limit, CancellationToken cancellationToken) =>
        Key.StartsWith(prefix, StringComparison.Ordinal) && limit > 0 ? _listing : _emptyListing;

    public Task<byte[]> ReadRangeAsync(StoredObject source, long offset, int count, CancellationToken cancellationToken)
    {
        if (offset == 0 && count >= _content.Length)
        {
            return _whole;
        }

        var start = (int)Math.Min(offset, _content.Length);
        return Task.FromResult(_content.AsSpan(start, Math.Min(count, _content.Length - start)).ToArray());
    }

    public Task CopyAsync(StoredObject source, string destinationKey, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<string?> ReadTextAsync(string key, CancellationToken cancellationToken) => NoText;
}

/// <summary>
/// A study table with the conditional semantics the upload path relies on (put-if-absent,
/// update-if-status-in), bounded so that millions of benchmark invocations do not grow the
/// heap: it forgets everything past <see cref="Capacity"/> studies. Updates are checked but
/// not applied, since no request reads a study back after its final update.
/// </summary>
internal sealed class BoundedStudyStore : IStudyStore
{
    private const int Capacity = 4096;
    private static readonly Task<bool> True = Task.FromResult(true);
    private static readonly Task<bool> False = Task.FromResult(false);
    private static readonly Task<Study?> Missing = Task.FromResult<Study?>(null);

    private readonly Dictionary<string, Study> _studies = new(Capacity, StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public Task<bool> TryCreateAsync(Study study, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_studies.Count >= Capacity)
            {
                _studies.Clear();
            }

            return _studies.TryAdd(study.StudyId.Value, study) ? True : False;
        }
    }

    public Task<Study?> GetAsync(StudyId id, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return _studies.TryGetValue(id.Value, out var study) ? Task.FromResult<Study?>(study) : Missing;
        }
    }

    public Task<IReadOnlyList<StudyId>> ListStaleAsync(string status, DateTimeOffset updatedBefore, int limit, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<StudyId>>([]);

    public Task<bool> TryUpdateAsync(StudyId id, StudyUpdate update, IReadOnlyCollection<string> expectedStatuses, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return _studies.TryGetValue(id.Value, out var study) && expectedStatuses.Contains(study.Status) ? True : False;
        }
    }
}

/// <summary>StartDICOMImportJob answered at once with the same SUBMITTED job.</summary>
internal sealed class InstantImportService : IImportService
{
    private readonly Task<ImportJob> _started;
    private readonly Task<ImportJob?> _found;

    public InstantImportService(ImportJob job)
    {
        _started = Task.FromResult(job);
        _found = Task.FromResult<ImportJob?>(job);
    }

    public Task<ImportJob> StartImportAsync(ImportJobRequest request, CancellationToken cancellationToken) => _started;

    public Task<ImportJob?> GetImportJobAsync(string datastoreId, string jobId, CancellationToken cancellationToken) => _found;
}

/// <summary>StartExecution answered at once with the same execution.</summary>
internal sealed class InstantWorkflowStarter : IWorkflowStarter
{
    private readonly Task<WorkflowStart> _start;

    public InstantWorkflowStarter(string executionArn) => _start = Task.FromResult(new WorkflowStart(executionArn, AlreadyExisted: false));

    public Task<WorkflowStart> StartAsync(string executionName, string inputJson, CancellationToken cancellationToken) => _start;
}
