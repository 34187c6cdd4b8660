using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Ports;

namespace StrokeIngestion.Core.Admission;

/// <summary>
/// The sweeper's slot check: every slot holder whose import is no longer running gets its
/// slot back, so a lost import-ended event, a monitor that never polled again or a dispatcher
/// that died after taking a slot cannot shrink the ceiling for good. HealthImaging is asked
/// about each holder's job (GetDICOMImportJob), which is what ListDICOMImportJobs would say
/// for it, without paging through every job on the datastore.
/// </summary>
public sealed class SlotReconciler
{
    /// <summary>A holder without a job this young may be a start in flight (copy, StartDICOMImportJob): left alone.</summary>
    public static readonly TimeSpan StartGrace = TimeSpan.FromMinutes(15);

    private readonly AdmissionController _admission;
    private readonly IStudyStore _studies;
    private readonly IImportService _imports;
    private readonly TimeSpan _startGrace;

    /// <param name="startGrace">Default <see cref="StartGrace"/>; the sandbox scales it with its clock.</param>
    public SlotReconciler(AdmissionController admission, IStudyStore studies, IImportService imports, TimeSpan? startGrace = null)
    {
        _admission = admission;
        _studies = studies;
        _imports = imports;
        _startGrace = startGrace ?? StartGrace;
    }

    /// <summary>Frees the slots of holders whose import has ended, never started or whose study is gone.</summary>
    /// <returns>The studies whose slot was freed.</returns>
    public Task<IReadOnlyList<StudyId>> ReconcileAsync(CancellationToken cancellationToken) =>
        _admission.ReconcileAsync(StillHeldAsync, cancellationToken);

    /// <summary>A job that has ended frees its slot at once, whatever its age; a holder with no job only after the grace.</summary>
    private async Task<bool> StillHeldAsync(StudyId id, TimeSpan heldFor, CancellationToken cancellationToken)
    {
        var study = await _studies.GetAsync(id, cancellationToken);
        if (study?.ImportJobId is not { } jobId)
        {
            // No job after the grace period: the dispatch died before StartDICOMImportJob
            // answered; the message comes back and takes a slot again.
            return study is not null && heldFor < _startGrace;
        }

        var job = await _imports.GetImportJobAsync(study.DatastoreId, jobId, cancellationToken);
        return job?.Status is ImportJobStatus.Submitted or ImportJobStatus.InProgress;
    }
}
