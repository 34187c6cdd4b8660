using StrokeIngestion.Core.Dicom;

namespace StrokeIngestion.Core.Upload;

/// <summary>
/// One study is one patient: the rule every file of an upload must meet together, whatever
/// the request says and whether or not accept_patient_id_mismatch is set (that override is
/// for one DICOM PatientID written in a site's own format, never for two patients).
/// </summary>
/// <remarks>
/// <para>
/// The identifier is the pair PatientID + IssuerOfPatientID: an id means nothing without the
/// authority that issued it, so both must be the same in every file, and a file that lacks
/// one while another has it disagrees (the two files cannot be shown to be one patient).
/// </para>
/// <para>
/// PatientBirthDate, PatientSex and PatientName are the checks a clinician makes against the
/// wrong-patient error of an id typed at the scanner. Each must agree among the files that
/// carry it; a file that leaves it empty (Type 2, common in derived series) does not disagree.
/// Names compare by their first (alphabetic) component group, ignoring case and trailing empty
/// components (<c>DOE^JOHN^^^</c> is <c>Doe^John</c>), since systems render PN differently.
/// </para>
/// <para>
/// Values arrive with DICOM padding already removed (<see cref="DicomHeader"/>) and compare
/// ordinally otherwise. The answer names the attribute, never a value.
/// </para>
/// </remarks>
internal static class StudyPatient
{
    /// <summary>The first identity attribute the files disagree on, as a <c>multiple_patients</c> error; null when they agree.</summary>
    public static UploadError? FindConflict(IReadOnlyList<DicomHeader> headers)
    {
        if (Differs(headers, h => h.PatientId, presenceMatters: true))
        {
            return UploadErrors.MultiplePatients("PatientID");
        }

        if (Differs(headers, h => h.IssuerOfPatientId, presenceMatters: true))
        {
            return UploadErrors.MultiplePatients("IssuerOfPatientID");
        }

        if (Differs(headers, h => h.PatientBirthDate, presenceMatters: false))
        {
            return UploadErrors.MultiplePatients("PatientBirthDate");
        }

        if (Differs(headers, h => h.PatientSex, presenceMatters: false))
        {
            return UploadErrors.MultiplePatients("PatientSex");
        }

        return Differs(headers, h => ComparableName(h.PatientName), presenceMatters: false)
            ? UploadErrors.MultiplePatients("PatientName")
            : null;
    }

    private static bool Differs(IReadOnlyList<DicomHeader> headers, Func<DicomHeader, string?> value, bool presenceMatters)
    {
        var values = headers.Select(value);
        if (!presenceMatters)
        {
            values = values.Where(v => v is not null);
        }

        return values.Distinct(StringComparer.Ordinal).Skip(1).Any();
    }

    private static string? ComparableName(string? name)
    {
        if (name is null)
        {
            return null;
        }

        var alphabetic = name.Split('=')[0].TrimEnd(' ', '^');
        return alphabetic.Length == 0 ? null : alphabetic.ToUpperInvariant();
    }
}
