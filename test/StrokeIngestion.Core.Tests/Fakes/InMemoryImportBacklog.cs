using StrokeIngestion.Core.Admission;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Ports;

namespace StrokeIngestion.Core.Tests.Fakes;

/// <summary>The import queues as a list of sent messages, plus messages already waiting and failure injection.</summary>
internal sealed class InMemoryImportBacklog : IImportBacklog
{
    public List<(StudyId Id, StudyPriority Priority)> Sent { get; } = [];

    /// <summary>Messages other studies already have in the queues.</summary>
    public QueueBacklog Waiting { get; set; } = QueueBacklog.None;

    public Queue<Exception> EnqueueFailures { get; } = new();

    public Queue<Exception> BacklogFailures { get; } = new();

    public Task EnqueueAsync(StudyId id, StudyPriority priority, CancellationToken cancellationToken)
    {
        if (EnqueueFailures.TryDequeue(out var failure))
        {
            throw failure;
        }

        lock (Sent)
        {
            Sent.Add((id, priority));
        }

        return Task.CompletedTask;
    }

    public List<(QueueDelivery Delivery, TimeSpan Delay)> Postponed { get; } = [];

    public Task PostponeAsync(QueueDelivery delivery, TimeSpan delay, CancellationToken cancellationToken)
    {
        Postponed.Add((delivery, delay));
        return Task.CompletedTask;
    }

    /// <summary>How often the depths were read (GetQueueAttributes, twice per read in SQS).</summary>
    public int BacklogReads { get; private set; }

    public Task<QueueBacklog> GetBacklogAsync(CancellationToken cancellationToken)
    {
        BacklogReads++;
        if (BacklogFailures.TryDequeue(out var failure))
        {
            throw failure;
        }

        lock (Sent)
        {
            return Task.FromResult(new QueueBacklog(
                Waiting.Urgent + Sent.Count(m => m.Priority == StudyPriority.Urgent),
                Waiting.Routine + Sent.Count(m => m.Priority == StudyPriority.Routine)));
        }
    }
}
