using StrokeIngestion.Core.Admission;
using StrokeIngestion.Core.Domain;

namespace StrokeIngestion.Core.Ports;

/// <summary>One received message: the queue it came from (ARN) and the handle that names this receipt.</summary>
public sealed record QueueDelivery(string QueueArn, string ReceiptHandle);

/// <summary>
/// The durable import queues, one per priority. A message names a study and its priority
/// only (no PHI); sending the same study twice is harmless, the dispatcher starts it once.
/// Failures surface as <see cref="Errors.DependencyException"/>.
/// </summary>
public interface IImportBacklog
{
    Task EnqueueAsync(StudyId id, StudyPriority priority, CancellationToken cancellationToken);

    /// <summary>
    /// Makes a received message visible again after <paramref name="delay"/> (at most 12 h):
    /// the dispatcher's way of putting a study back for exactly as long as admission asks.
    /// </summary>
    Task PostponeAsync(QueueDelivery delivery, TimeSpan delay, CancellationToken cancellationToken);

    /// <summary>Messages waiting or in flight, per priority (approximate, as the queue reports it).</summary>
    Task<QueueBacklog> GetBacklogAsync(CancellationToken cancellationToken);
}
