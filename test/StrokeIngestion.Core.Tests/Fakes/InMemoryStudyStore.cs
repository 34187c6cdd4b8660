using System.Collections.Concurrent;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Ports;

namespace StrokeIngestion.Core.Tests.Fakes;

/// <summary>
/// A study table with the real conditional semantics (put-if-absent, update-if-status-in),
/// plus failure injection per operation, for tests where behaviour across calls matters.
/// </summary>
internal sealed class InMemoryStudyStore : IStudyStore
{
    private readonly ConcurrentDictionary<string, Study> _items = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public Queue<Exception> CreateFailures { get; } = new();

    public Queue<Exception> GetFailures { get; } = new();

    public Queue<Exception> UpdateFailures { get; } = new();

    public int CreateCalls { get; private set; }

    public int UpdateCalls { get; private set; }

    public IReadOnlyCollection<Study> All => _items.Values.ToList();

    public Study? this[StudyId id] => _items.GetValueOrDefault(id.Value);

    public void Seed(Study study) => _items[study.StudyId.Value] = study;

    public Task<bool> TryCreateAsync(Study study, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            CreateCalls++;
            ThrowNext(CreateFailures);
            return Task.FromResult(_items.TryAdd(study.StudyId.Value, study));
        }
    }

    public Task<Study?> GetAsync(StudyId id, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ThrowNext(GetFailures);
            return Task.FromResult(_items.GetValueOrDefault(id.Value));
        }
    }

    public Task<bool> TryUpdateAsync(StudyId id, StudyUpdate update, IReadOnlyCollection<string> expectedStatuses, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            UpdateCalls++;
            ThrowNext(UpdateFailures);
            if (!_items.TryGetValue(id.Value, out var current) || !expectedStatuses.Contains(current.Status))
            {
                return Task.FromResult(false);
            }

            _items[id.Value] = current with
            {
                UpdatedAt = update.UpdatedAt,
                Status = update.Status ?? current.Status,
                ImportStatus = update.ImportStatus ?? current.ImportStatus,
                ImportJobId = update.ImportJobId ?? current.ImportJobId,
                ExecutionArn = update.ExecutionArn ?? current.ExecutionArn,
                FailureReason = update.FailureReason ?? current.FailureReason,
                FailureMessage = update.FailureMessage ?? current.FailureMessage,
                PollCount = update.PollCount ?? current.PollCount,
                ImageSetId = update.ImageSetId ?? current.ImageSetId,
                ImageSetIds = update.ImageSetIds ?? current.ImageSetIds,
                ImportCounts = update.ImportCounts ?? current.ImportCounts,
                ReadyAt = update.ReadyAt ?? current.ReadyAt,
            };
            return Task.FromResult(true);
        }
    }

    private static void ThrowNext(Queue<Exception> failures)
    {
        if (failures.TryDequeue(out var failure))
        {
            throw failure;
        }
    }
}
