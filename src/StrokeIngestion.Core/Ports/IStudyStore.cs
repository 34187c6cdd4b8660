using StrokeIngestion.Core.Domain;

namespace StrokeIngestion.Core.Ports;

/// <summary>
/// The study table. Writes are conditional so that concurrent or repeated callers can
/// never overwrite a study or move it out of a terminal status.
/// Failures surface as <see cref="Errors.DependencyException"/>.
/// </summary>
public interface IStudyStore
{
    /// <summary>Writes a new study; false (and nothing written) when the id already exists.</summary>
    Task<bool> TryCreateAsync(Study study, CancellationToken cancellationToken);

    /// <summary>The study, or null when there is none with that id.</summary>
    Task<Study?> GetAsync(StudyId id, CancellationToken cancellationToken);

    /// <summary>
    /// Applies <paramref name="update"/> only when the study exists and its current status is
    /// one of <paramref name="expectedStatuses"/>; false (and nothing written) otherwise.
    /// </summary>
    Task<bool> TryUpdateAsync(StudyId id, StudyUpdate update, IReadOnlyCollection<string> expectedStatuses, CancellationToken cancellationToken);

    /// <summary>
    /// Up to <paramref name="limit"/> studies in <paramref name="status"/> whose last update is
    /// older than <paramref name="updatedBefore"/>, oldest first (the table's status index).
    /// </summary>
    Task<IReadOnlyList<StudyId>> ListStaleAsync(string status, DateTimeOffset updatedBefore, int limit, CancellationToken cancellationToken);
}
