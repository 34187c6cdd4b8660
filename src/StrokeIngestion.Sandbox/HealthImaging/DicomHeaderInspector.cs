using StrokeIngestion.Core.Dicom;

namespace StrokeIngestion.Sandbox.HealthImaging;

/// <summary>
/// The emulator's file check, done by the project's own Part 10 reader, with the import's
/// rules: a supported transfer syntax, the four identifiers present, and a data set that is
/// whole to its last byte (<see cref="DicomStructureCheck"/>). Messages name the problem, never
/// a value from the file.
/// </summary>
internal sealed class DicomHeaderInspector : IDicomInstanceInspector
{
    public DicomInstanceCheck Inspect(byte[] file)
    {
        var result = DicomHeaderReader.Read(file, isWholeObject: true);
        if (result.Status == DicomReadStatus.NotDicom)
        {
            return DicomInstanceCheck.Invalid("The file is not a DICOM P10 file.");
        }

        if (result.Status != DicomReadStatus.Ok || result.Header is not { } header)
        {
            return DicomInstanceCheck.Invalid($"The DICOM header could not be parsed ({result.Problem ?? "unreadable"}).");
        }

        if (!TransferSyntaxes.IsSupportedByHealthImaging(header.TransferSyntaxUid))
        {
            return DicomInstanceCheck.Invalid("The transfer syntax is not supported.", "UnsupportedTransferSyntaxException");
        }

        if (header.PatientId is not { } patientId
            || header.StudyInstanceUid is not { } studyUid
            || header.SeriesInstanceUid is not { } seriesUid
            || header.SopInstanceUid is not { } sopUid)
        {
            return DicomInstanceCheck.Invalid("A required identifying attribute (PatientID, StudyInstanceUID, SeriesInstanceUID or SOPInstanceUID) is missing.");
        }

        if (DicomStructureCheck.FindDamage(file, header.TransferSyntaxUid) is { } damage)
        {
            return DicomInstanceCheck.Invalid($"The DICOM data set is damaged ({damage}).");
        }

        return DicomInstanceCheck.Valid(new DicomInstanceIdentity(patientId, studyUid, seriesUid, sopUid, header.TransferSyntaxUid));
    }
}
