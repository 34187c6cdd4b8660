using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Ports;

namespace StrokeIngestion.Core.Tests.Monitoring.Support;

/// <summary>A study table in memory with the real store's conditional-write semantics.</summary>
internal sealed class InMemoryStudyStore : IStudyStore
{
    private readonly Dictionary<StudyId, Study> _studies = [];

    /// <summary>Updates that were applied (the condition held), in order.</summary>
    public List<StudyUpdate> AppliedUpdates { get; } = [];

    /// <summary>Conditional updates that were refused.</summary>
    public int RefusedUpdates { get; private set; }

    /// <summary>Runs just before a conditional update is checked: lets a test play a concurrent writer.</summary>
    public Action<InMemoryStudyStore>? BeforeUpdate { get; set; }

    public Study? Find(StudyId id) => _studies.GetValueOrDefault(id);

    public void Put(Study study) => _studies[study.StudyId] = study;

    public Task<bool> TryCreateAsync(Study study, CancellationToken cancellationToken)
    {
        return Task.FromResult(_studies.TryAdd(study.StudyId, study));
    }

    public Task<Study?> GetAsync(StudyId id, CancellationToken cancellationToken)
    {
        return Task.FromResult(Find(id));
    }

    public Task<bool> TryUpdateAsync(StudyId id, StudyUpdate update, IReadOnlyCollection<string> expectedStatuses, CancellationToken cancellationToken)
    {
        BeforeUpdate?.Invoke(this);
        if (!_studies.TryGetValue(id, out var study) || !expectedStatuses.Contains(study.Status))
        {
            RefusedUpdates++;
            return Task.FromResult(false);
        }

        _studies[id] = study with
        {
            UpdatedAt = update.UpdatedAt,
            Status = update.Status ?? study.Status,
            ImportStatus = update.ImportStatus ?? study.ImportStatus,
            ImportJobId = update.ImportJobId ?? study.ImportJobId,
            ExecutionArn = update.ExecutionArn ?? study.ExecutionArn,
            FailureReason = update.FailureReason ?? study.FailureReason,
            FailureMessage = update.FailureMessage ?? study.FailureMessage,
            PollCount = update.PollCount ?? study.PollCount,
            ImageSetId = update.ImageSetId ?? study.ImageSetId,
            ImageSetIds = update.ImageSetIds ?? study.ImageSetIds,
            ImportCounts = update.ImportCounts ?? study.ImportCounts,
            ReadyAt = update.ReadyAt ?? study.ReadyAt,
        };
        AppliedUpdates.Add(update);
        return Task.FromResult(true);
    }
}
