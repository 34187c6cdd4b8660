using StrokeIngestion.Core.Admission;
using StrokeIngestion.Core.Errors;
using StrokeIngestion.Core.Ports;

namespace StrokeIngestion.Core.Upload;

/// <summary>
/// What the API needs to queue a study instead of starting it, and to say where it stands:
/// the import queues and the admission ledger.
/// </summary>
public sealed record ImportQueueing(IImportBacklog Queue, AdmissionController Admission)
{
    /// <summary>
    /// The place in line and estimated start of a study of <paramref name="priority"/> whose
    /// own message is in the queue (the queue does not say which message is whose, so the
    /// study counts as the last of its priority). Null when the backlog cannot be read.
    /// </summary>
    public async Task<QueueEstimate?> TryEstimateAsync(StudyPriority priority, DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            var backlog = await Queue.GetBacklogAsync(cancellationToken);
            var ledger = await Admission.ReadAsync(cancellationToken);
            var ahead = priority == StudyPriority.Urgent
                ? backlog with { Urgent = Math.Max(0, backlog.Urgent - 1) }
                : backlog with { Routine = Math.Max(0, backlog.Routine - 1) };
            return QueueEstimator.ForStudy(priority, ahead, ledger, Admission.Limits, now);
        }
        catch (DependencyException)
        {
            return null;
        }
    }

    /// <summary>The Retry-After for a 429/503 from the backlog (<see cref="QueueEstimator.RetryAfter"/>), or <paramref name="fallback"/> when it cannot be read.</summary>
    public async Task<TimeSpan> RetryAfterAsync(DateTimeOffset now, TimeSpan fallback, CancellationToken cancellationToken)
    {
        try
        {
            var backlog = await Queue.GetBacklogAsync(cancellationToken);
            var ledger = await Admission.ReadAsync(cancellationToken);
            return QueueEstimator.RetryAfter(backlog, ledger, Admission.Limits, now);
        }
        catch (Exception ex) when (ex is DependencyException or OperationCanceledException)
        {
            return fallback;
        }
    }
}
