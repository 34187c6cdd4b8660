using StrokeIngestion.Core.Observability;
using StrokeIngestion.Core.Ports;

namespace StrokeIngestion.Core.Admission;

/// <summary>One message of an SQS batch as the event source mapping delivers it.</summary>
/// <param name="ReceiveCount">ApproximateReceiveCount: 1 on the first delivery.</param>
public sealed record QueuedImport(string MessageId, string? Body, int ReceiveCount, QueueDelivery Delivery);

/// <summary>
/// Dispatches a batch from the import queues and says which messages stay. A refusal that
/// will pass soon (no start token yet, yield to an urgent study, no free slot, a throttled
/// start) is waited out inside the invocation, up to the hold budget: sending the message
/// back through the queue costs a receive, a visibility change and a redelivery each time,
/// which is slower than the wait and is what a burst cannot afford. What is still not done
/// is made visible again after the wait admission asked for (ChangeMessageVisibility) and
/// reported as a batch item failure, so the event source mapping leaves it in the queue.
/// A body that is not an import message is reported without delay: after maxReceiveCount
/// deliveries the queue moves it to the DLQ, where an alarm shows it. Urgent messages of a
/// batch are dispatched side by side; routine ones one after another.
/// </summary>
public sealed class DispatchBatch
{
    /// <summary>How long one invocation may hold refused messages, by default: half the function's 120 s timeout.</summary>
    public static readonly TimeSpan DefaultHoldBudget = TimeSpan.FromSeconds(60);

    /// <summary>A held study asks admission again at least this often (a slot may free any moment).</summary>
    private static readonly TimeSpan MaxPoll = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan MinPoll = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// A study refused for capacity this often is sent again as a new message and the old one
    /// deleted: every receive counts toward the queue's maxReceiveCount (20), and a long backlog
    /// must not push a valid study into the DLQ. Crashes and errors keep counting.
    /// </summary>
    public const int ResendAfterReceives = 10;

    private static readonly HashSet<string> Holdable = new(StringComparer.Ordinal) { "no_start_token", "no_job_slot", "yield_to_urgent", "throttled" };

    private readonly ImportDispatchService _dispatcher;
    private readonly IImportBacklog _backlog;
    private readonly StructuredLog _log;
    private readonly TimeSpan _holdBudget;
    private readonly TimeProvider _time;

    public DispatchBatch(ImportDispatchService dispatcher, IImportBacklog backlog, StructuredLog log, TimeSpan? holdBudget = null, TimeProvider? time = null)
    {
        _dispatcher = dispatcher;
        _backlog = backlog;
        _log = log;
        _holdBudget = holdBudget ?? DefaultHoldBudget;
        _time = time ?? TimeProvider.System;
    }

    /// <returns>The message ids to report as batch item failures.</returns>
    public async Task<IReadOnlyList<string>> RunAsync(IReadOnlyList<QueuedImport> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var holdUntil = _time.GetUtcNow() + _holdBudget;
        var failures = new List<string>();
        var urgent = new List<Task<string?>>();
        var routine = new List<(QueuedImport Message, ImportQueueMessage Import)>();
        foreach (var message in messages)
        {
            if (!ImportQueueMessage.TryParse(message.Body, out var import))
            {
                _log.Error("Import queue message is not an import request", new LogField("message_id", message.MessageId));
                failures.Add(message.MessageId);
            }
            else if (import.Priority == StudyPriority.Urgent)
            {
                urgent.Add(RunOneAsync(message, import, holdUntil, cancellationToken));
            }
            else
            {
                routine.Add((message, import));
            }
        }

        foreach (var (message, import) in routine)
        {
            if (await RunOneAsync(message, import, holdUntil, cancellationToken) is { } failed)
            {
                failures.Add(failed);
            }
        }

        failures.AddRange((await Task.WhenAll(urgent)).OfType<string>());
        return failures;
    }

    /// <returns>The message id when the message stays in the queue, else null.</returns>
    private async Task<string?> RunOneAsync(QueuedImport message, ImportQueueMessage import, DateTimeOffset holdUntil, CancellationToken cancellationToken)
    {
        DispatchResult result;
        try
        {
            result = await _dispatcher.DispatchAsync(import.StudyId, import.Priority, message.ReceiveCount, cancellationToken);
            while (!result.Done && Holdable.Contains(result.Outcome))
            {
                var wait = result.RetryAfter < MinPoll ? MinPoll : result.RetryAfter > MaxPoll ? MaxPoll : result.RetryAfter;
                if (_time.GetUtcNow() + wait > holdUntil)
                {
                    break;
                }

                await Task.Delay(wait, _time, cancellationToken);
                result = await _dispatcher.DispatchAsync(import.StudyId, import.Priority, message.ReceiveCount, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // One study's unexpected failure keeps that message only, never the whole batch.
            _log.Error(
                "Import dispatch failed",
                new LogField("study_id", import.StudyId.Value),
                new LogField("error_type", ex.GetType().Name),
                new LogField("receive_count", message.ReceiveCount));
            result = DispatchResult.Later(ImportDispatchService.Backoff(message.ReceiveCount), "dispatch_error");
        }

        _log.Info(
            "Import dispatch",
            new LogField("study_id", import.StudyId.Value),
            new LogField("priority", import.Priority.ToWire()),
            new LogField("outcome", result.Outcome),
            new LogField("receive_count", message.ReceiveCount),
            new LogField("retry_after_s", result.Done ? null : result.RetryAfter.TotalSeconds));
        if (result.Done)
        {
            return null;
        }

        if (message.ReceiveCount >= ResendAfterReceives && Holdable.Contains(result.Outcome))
        {
            try
            {
                await _backlog.EnqueueAsync(import.StudyId, import.Priority, cancellationToken);
                _log.Info("Import message sent again", new LogField("study_id", import.StudyId.Value), new LogField("receive_count", message.ReceiveCount));
                return null;
            }
            catch (Errors.DependencyException)
            {
                // Postponed below instead; the next receive tries again.
            }
        }

        try
        {
            await _backlog.PostponeAsync(message.Delivery, result.RetryAfter, cancellationToken);
        }
        catch (Errors.DependencyException)
        {
            // The queue's own visibility timeout brings the message back instead.
        }

        return message.MessageId;
    }
}
