using StrokeIngestion.Core.Admission;
using StrokeIngestion.Core.Errors;
using StrokeIngestion.Core.Ports;

namespace StrokeIngestion.Core.Upload;

/// <summary>
/// What the API needs to queue a study instead of starting it, and to say where it stands:
/// the import queues and the admission ledger.
/// </summary>
/// <remarks>
/// The queue depths and the ledger are read at most once per <see cref="SnapshotMaxAge"/> per
/// function instance, one read at a time, and the studies this instance queued since are
/// counted on top. Reading them on every request is what a burst cannot afford: SQS answers
/// GetQueueAttributes far slower than SendMessage, and every request would wait on it.
/// One instance may be shared by concurrent requests.
/// </remarks>
public sealed class ImportQueueing : IDisposable
{
    /// <summary>How stale the queue depths and ledger an answer uses may be.</summary>
    public static readonly TimeSpan SnapshotMaxAge = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A study with more files than this is always queued: its copy would hold the request
    /// (32 copies at once: one S3 round trip).
    /// </summary>
    public const int StartAtOnceMaxFiles = 32;

    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private Snapshot? _snapshot;
    private int _urgentSent;
    private int _routineSent;

    public ImportQueueing(IImportBacklog queue, AdmissionController admission, TimeProvider? time = null)
    {
        Queue = queue;
        Admission = admission;
        _time = time ?? TimeProvider.System;
    }

    public IImportBacklog Queue { get; }

    /// <summary>False: every study is queued, even on an idle system (the request never copies or starts).</summary>
    public bool StartAtOnce { get; init; } = true;

    public AdmissionController Admission { get; }

    /// <summary>Sends the study to its priority's queue and counts it until the next read of the depths.</summary>
    public async Task EnqueueAsync(Domain.StudyId id, StudyPriority priority, CancellationToken cancellationToken)
    {
        await Queue.EnqueueAsync(id, priority, cancellationToken);
        if (priority == StudyPriority.Urgent)
        {
            Interlocked.Increment(ref _urgentSent);
        }
        else
        {
            Interlocked.Increment(ref _routineSent);
        }
    }

    /// <summary>
    /// True when a study of <paramref name="priority"/> may be started inside the request:
    /// nothing of its priority or higher is queued, the ledger has a start token and a slot for
    /// it, and it is small enough to copy at once. Admission still decides (this only saves a
    /// ledger write when the answer is surely no). False when the backlog cannot be read.
    /// </summary>
    public async Task<bool> MayStartAtOnceAsync(StudyPriority priority, int fileCount, CancellationToken cancellationToken)
    {
        if (!StartAtOnce || fileCount > StartAtOnceMaxFiles)
        {
            return false;
        }

        var view = await TryViewAsync(cancellationToken);
        if (view is null)
        {
            return false;
        }

        var (backlog, ledger) = view.Value;
        var queuedAhead = priority == StudyPriority.Urgent ? backlog.Urgent : backlog.Urgent + backlog.Routine;
        return queuedAhead == 0
            && AdmissionRules.TryAdmit(ledger, "start-at-once-probe", priority, Admission.Limits, _time.GetUtcNow()).Admitted;
    }

    /// <summary>Keeps the ledger a request's own admission wrote, so the next answers see its token and slot gone.</summary>
    public void Observe(AdmissionLedger ledger)
    {
        var current = _snapshot;
        if (current is not null)
        {
            _snapshot = current with { Ledger = ledger };
        }
    }

    /// <summary>
    /// The place in line and estimated start of a study of <paramref name="priority"/> whose
    /// own message is in the queue (the queue does not say which message is whose, so the
    /// study counts as the last of its priority). Null when the backlog cannot be read.
    /// </summary>
    public async Task<QueueEstimate?> TryEstimateAsync(StudyPriority priority, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var view = await TryViewAsync(cancellationToken);
        if (view is null)
        {
            return null;
        }

        var (backlog, ledger) = view.Value;
        var ahead = priority == StudyPriority.Urgent
            ? backlog with { Urgent = Math.Max(0, backlog.Urgent - 1) }
            : backlog with { Routine = Math.Max(0, backlog.Routine - 1) };
        return QueueEstimator.ForStudy(priority, ahead, AdmissionRules.Refill(ledger, Admission.Limits, now), Admission.Limits, now);
    }

    /// <summary>The Retry-After for a 429/503 from the backlog (<see cref="QueueEstimator.RetryAfter"/>), or <paramref name="fallback"/> when it cannot be read.</summary>
    public async Task<TimeSpan> RetryAfterAsync(DateTimeOffset now, TimeSpan fallback, CancellationToken cancellationToken)
    {
        try
        {
            var view = await TryViewAsync(cancellationToken);
            return view is { } current
                ? QueueEstimator.RetryAfter(current.Backlog, AdmissionRules.Refill(current.Ledger, Admission.Limits, now), Admission.Limits, now)
                : fallback;
        }
        catch (OperationCanceledException)
        {
            return fallback;
        }
    }

    public void Dispose() => _refresh.Dispose();

    /// <summary>The depths (plus this instance's sends since they were read) and the ledger, or null when either cannot be read.</summary>
    private async Task<(QueueBacklog Backlog, AdmissionLedger Ledger)?> TryViewAsync(CancellationToken cancellationToken)
    {
        var snapshot = _snapshot;
        if (snapshot is null || _time.GetUtcNow() - snapshot.ReadAt >= SnapshotMaxAge)
        {
            await _refresh.WaitAsync(cancellationToken);
            try
            {
                snapshot = _snapshot;
                if (snapshot is null || _time.GetUtcNow() - snapshot.ReadAt >= SnapshotMaxAge)
                {
                    var readAt = _time.GetUtcNow();
                    var urgentSent = Volatile.Read(ref _urgentSent);
                    var routineSent = Volatile.Read(ref _routineSent);
                    var backlog = await Queue.GetBacklogAsync(cancellationToken);
                    var ledger = await Admission.ReadAsync(cancellationToken);
                    snapshot = new Snapshot(backlog, ledger, readAt, urgentSent, routineSent);
                    _snapshot = snapshot;
                }
            }
            catch (DependencyException)
            {
                return null;
            }
            finally
            {
                _refresh.Release();
            }
        }

        var sinceUrgent = Math.Max(0, Volatile.Read(ref _urgentSent) - snapshot.UrgentSentAtRead);
        var sinceRoutine = Math.Max(0, Volatile.Read(ref _routineSent) - snapshot.RoutineSentAtRead);
        return (new QueueBacklog(snapshot.Backlog.Urgent + sinceUrgent, snapshot.Backlog.Routine + sinceRoutine), snapshot.Ledger);
    }

    private sealed record Snapshot(QueueBacklog Backlog, AdmissionLedger Ledger, DateTimeOffset ReadAt, int UrgentSentAtRead, int RoutineSentAtRead);
}
