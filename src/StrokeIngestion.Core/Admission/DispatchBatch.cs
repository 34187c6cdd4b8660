using StrokeIngestion.Core.Observability;
using StrokeIngestion.Core.Ports;

namespace StrokeIngestion.Core.Admission;

/// <summary>One message of an SQS batch as the event source mapping delivers it.</summary>
/// <param name="ReceiveCount">ApproximateReceiveCount: 1 on the first delivery.</param>
public sealed record QueuedImport(string MessageId, string? Body, int ReceiveCount, QueueDelivery Delivery);

/// <summary>
/// Dispatches a batch from the import queues and says which messages stay: each one not done
/// is made visible again after the wait admission asked for (ChangeMessageVisibility) and
/// reported as a batch item failure, so the event source mapping leaves it in the queue.
/// A body that is not an import message is reported without delay: after maxReceiveCount
/// deliveries the queue moves it to the DLQ, where an alarm shows it.
/// </summary>
public sealed class DispatchBatch
{
    private readonly ImportDispatchService _dispatcher;
    private readonly IImportBacklog _backlog;
    private readonly StructuredLog _log;

    public DispatchBatch(ImportDispatchService dispatcher, IImportBacklog backlog, StructuredLog log)
    {
        _dispatcher = dispatcher;
        _backlog = backlog;
        _log = log;
    }

    /// <returns>The message ids to report as batch item failures.</returns>
    public async Task<IReadOnlyList<string>> RunAsync(IReadOnlyList<QueuedImport> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var failures = new List<string>();
        foreach (var message in messages)
        {
            if (!ImportQueueMessage.TryParse(message.Body, out var import))
            {
                _log.Error("Import queue message is not an import request", new LogField("message_id", message.MessageId));
                failures.Add(message.MessageId);
                continue;
            }

            var result = await _dispatcher.DispatchAsync(import.StudyId, import.Priority, message.ReceiveCount, cancellationToken);
            _log.Info(
                "Import dispatch",
                new LogField("study_id", import.StudyId.Value),
                new LogField("priority", import.Priority.ToWire()),
                new LogField("outcome", result.Outcome),
                new LogField("receive_count", message.ReceiveCount),
                new LogField("retry_after_s", result.Done ? null : result.RetryAfter.TotalSeconds));
            if (result.Done)
            {
                continue;
            }

            failures.Add(message.MessageId);
            try
            {
                await _backlog.PostponeAsync(message.Delivery, result.RetryAfter, cancellationToken);
            }
            catch (Errors.DependencyException)
            {
                // The queue's own visibility timeout brings the message back instead.
            }
        }

        return failures;
    }
}
