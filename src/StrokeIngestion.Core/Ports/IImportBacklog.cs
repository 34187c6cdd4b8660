using StrokeIngestion.Core.Admission;
using StrokeIngestion.Core.Domain;

namespace StrokeIngestion.Core.Ports;

/// <summary>
/// The durable import queues, one per priority. A message names a study and its priority
/// only (no PHI); sending the same study twice is harmless, the dispatcher starts it once.
/// Failures surface as <see cref="Errors.DependencyException"/>.
/// </summary>
public interface IImportBacklog
{
    Task EnqueueAsync(StudyId id, StudyPriority priority, CancellationToken cancellationToken);

    /// <summary>Messages waiting or in flight, per priority (approximate, as the queue reports it).</summary>
    Task<QueueBacklog> GetBacklogAsync(CancellationToken cancellationToken);
}
