using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Ports;

namespace StrokeIngestion.Core.Admission;

/// <summary>
/// The sweep's second half: a study recorded QUEUED (or RECEIVED by an older stack) whose
/// message is gone — the request died between the record and the send, a dispatch ended
/// without starting it — would wait for ever. Past <see cref="DefaultStaleAfter"/>, and only
/// when its priority's queue holds no message at all (waiting, in flight or delayed), it is
/// sent again: a study waiting its turn in a long backlog is never doubled, and an orphan is
/// found at the latest when the backlog drains. Sending a study twice is harmless anyway (the
/// dispatcher starts a study once).
/// </summary>
public sealed class StuckStudySweeper
{
    /// <summary>Twice the sweep's period: a study younger than this may still have its message on the way.</summary>
    public static readonly TimeSpan DefaultStaleAfter = TimeSpan.FromMinutes(10);

    /// <summary>Studies looked at per status and sweep; the next sweep takes the rest.</summary>
    public const int BatchLimit = 100;

    private static readonly string[] SweptStatuses = [StudyStatus.Queued, StudyStatus.Received];

    private readonly IStudyStore _studies;
    private readonly IImportBacklog _backlog;
    private readonly TimeProvider _time;
    private readonly TimeSpan _staleAfter;

    public StuckStudySweeper(IStudyStore studies, IImportBacklog backlog, TimeProvider time, TimeSpan? staleAfter = null)
    {
        _studies = studies;
        _backlog = backlog;
        _time = time;
        _staleAfter = staleAfter ?? DefaultStaleAfter;
    }

    /// <returns>The studies sent to the queue again.</returns>
    public async Task<IReadOnlyList<StudyId>> RequeueAsync(CancellationToken cancellationToken)
    {
        var backlog = await _backlog.GetBacklogAsync(cancellationToken);
        if (backlog.Urgent > 0 && backlog.Routine > 0)
        {
            return [];
        }

        var before = _time.GetUtcNow() - _staleAfter;
        var sent = new List<StudyId>();
        foreach (var status in SweptStatuses)
        {
            foreach (var id in await _studies.ListStaleAsync(status, before, BatchLimit, cancellationToken))
            {
                var study = await _studies.GetAsync(id, cancellationToken);
                if (study is null || study.Status != status)
                {
                    continue;
                }

                var priority = StudyPriorities.TryParse(study.Priority, out var parsed) ? parsed : StudyPriority.Urgent;
                var queued = priority == StudyPriority.Urgent ? backlog.Urgent : backlog.Routine;
                if (queued == 0)
                {
                    await _backlog.EnqueueAsync(id, priority, cancellationToken);
                    sent.Add(id);
                }
            }
        }

        return sent;
    }
}
