using System.Collections.Concurrent;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Ports;

namespace StrokeIngestion.Core.Tests.Fakes;

/// <summary>
/// A study table with the real conditional semantics (put-if-absent, update-if-status-in),
/// plus failure injection per operation and a record of applied and refused updates, for
/// tests where behaviour across calls matters. Also the import-event store, with the
/// contract's conditions (arm unless the event came; record the event unless the job differs).
/// </summary>
internal sealed class InMemoryStudyStore : IStudyStore, IImportEventStore
{
    private readonly ConcurrentDictionary<StudyId, Study> _items = new();
    private readonly Lock _gate = new();

    public Queue<Exception> CreateFailures { get; } = new();

    public Queue<Exception> GetFailures { get; } = new();

    public Queue<Exception> UpdateFailures { get; } = new();

    /// <summary>Failures of the import-event store's two writes (arm and record).</summary>
    public Queue<Exception> ImportEventFailures { get; } = new();

    public int CreateCalls { get; private set; }

    /// <summary>Creates that are applied but whose answer is lost: the store throws this after writing.</summary>
    public Queue<Exception> CreateAnswersLost { get; } = new();

    public int UpdateCalls { get; private set; }

    /// <summary>Updates that were applied (the condition held), in order.</summary>
    public List<StudyUpdate> AppliedUpdates { get; } = [];

    /// <summary>Conditional updates that were refused.</summary>
    public int RefusedUpdates { get; private set; }

    /// <summary>Runs just before a conditional update is checked: lets a test play a concurrent writer.</summary>
    public Action<InMemoryStudyStore>? BeforeUpdate { get; set; }

    public IReadOnlyCollection<Study> All => _items.Values.ToList();

    public Study? this[StudyId id] => Find(id);

    public Study? Find(StudyId id) => _items.GetValueOrDefault(id);

    public void Put(Study study) => _items[study.StudyId] = study;

    public Task<bool> TryCreateAsync(Study study, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            CreateCalls++;
            ThrowNext(CreateFailures);
            var added = _items.TryAdd(study.StudyId, study);
            ThrowNext(CreateAnswersLost);
            return Task.FromResult(added);
        }
    }

    public Task<Study?> GetAsync(StudyId id, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ThrowNext(GetFailures);
            return Task.FromResult(Find(id));
        }
    }

    public Task<IReadOnlyList<StudyId>> ListStaleAsync(string status, DateTimeOffset updatedBefore, int limit, CancellationToken cancellationToken)
    {
        var before = Timestamps.Format(updatedBefore);
        IReadOnlyList<StudyId> stale = [.. _items.Values
            .Where(s => s.Status == status && string.CompareOrdinal(s.UpdatedAt, before) < 0)
            .OrderBy(s => s.UpdatedAt, StringComparer.Ordinal)
            .Take(limit)
            .Select(s => s.StudyId)];
        return Task.FromResult(stale);
    }

    public Task<bool> TryUpdateAsync(StudyId id, StudyUpdate update, IReadOnlyCollection<string> expectedStatuses, CancellationToken cancellationToken)
    {
        BeforeUpdate?.Invoke(this);
        lock (_gate)
        {
            UpdateCalls++;
            ThrowNext(UpdateFailures);
            if (!_items.TryGetValue(id, out var current) || !expectedStatuses.Contains(current.Status))
            {
                RefusedUpdates++;
                return Task.FromResult(false);
            }

            _items[id] = current with
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
            AppliedUpdates.Add(update);
            return Task.FromResult(true);
        }
    }

    public Task<bool> TryArmImportEventWaitAsync(StudyId id, string taskToken, string at, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ThrowNext(ImportEventFailures);
            if (!_items.TryGetValue(id, out var current) || current.ImportEventStatus is not null)
            {
                return Task.FromResult(false);
            }

            _items[id] = current with { WorkflowTaskToken = taskToken, UpdatedAt = at };
            return Task.FromResult(true);
        }
    }

    public Task<ImportEventRecording> TryRecordImportEventAsync(StudyId id, string importJobId, string jobStatus, string at, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ThrowNext(ImportEventFailures);
            if (!_items.TryGetValue(id, out var current) || (current.ImportJobId is not null && current.ImportJobId != importJobId))
            {
                return Task.FromResult(ImportEventRecording.Refused);
            }

            _items[id] = current with { ImportEventStatus = jobStatus, ImportEventAt = at };
            return Task.FromResult(new ImportEventRecording(true, current.WorkflowTaskToken));
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
