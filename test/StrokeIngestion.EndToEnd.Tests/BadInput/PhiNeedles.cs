namespace StrokeIngestion.EndToEnd.Tests.BadInput;

/// <summary>
/// The made-up patient ids, patient names and file names the bad-input run uploads: none may
/// appear in a log line, an event, an error body or a HealthImaging output listing.
/// </summary>
internal static class PhiNeedles
{
    public const string SmithPatientId = "PHI-PATIENT-4242";
    public const string SmithName = "SMITH^JOHN^PHI";
    public const string SmithKey = "uploads/smith_john_mri.dcm";

    public const string DoePatientId = "PHI-PATIENT-7373";
    public const string DoeName = "DOE^JANE^PHI";
    public const string DoeFolder = "uploads/doe_jane_ct_study/";
    public const string DoeSlicePrefix = "doe_jane_slice_";

    public const string RoePatientId = "PHI-PATIENT-5151";
    public const string RoeName = "ROE^RICHARD^PHI";
    public const string RoeKey = "uploads/roe_richard_head_ct.dcm";

    public const string BrownPatientId = "PHI-PATIENT-6262";
    public const string BrownDicomPatientId = "PHI-DICOM-ID-6262";
    public const string BrownName = "BROWN^ALICE^PHI";
    public const string BrownFolder = "uploads/brown_alice_scan/";
    public const string BrownFile = "brown_alice_mr_001.dcm";

    /// <summary>What the corpus's requests and files hold.</summary>
    public static readonly IReadOnlyList<string> Corpus =
    [
        CorpusDicom.PatientId,
        CorpusDicom.OtherPatientId,
        CorpusDicom.PatientName,
        CorpusDicom.OtherPatientName,
        CorpusDicom.Issuer,
        CorpusDicom.OtherIssuer,
        CorpusDicom.BirthDate,
        CorpusDicom.OtherBirthDate,
        "ROE CORPUS PHI",
        Path.GetFileNameWithoutExtension(CorpusDicom.FileName),
    ];

    /// <summary>Everything the run uploads: ids, names (as DICOM writes them, as words, and their longer parts), keys and base names.</summary>
    public static readonly IReadOnlyList<string> All =
    [
        .. Corpus,
        SmithPatientId,
        DoePatientId,
        RoePatientId,
        BrownPatientId,
        BrownDicomPatientId,
        SmithName,
        DoeName,
        RoeName,
        BrownName,
        "SMITH JOHN",
        "DOE JANE",
        "ROE RICHARD",
        "BROWN ALICE",
        "SMITH",
        "RICHARD",
        "BROWN",
        "ALICE",
        SmithKey,
        "smith_john_mri",
        DoeFolder,
        "doe_jane_ct_study",
        DoeSlicePrefix,
        RoeKey,
        "roe_richard_head_ct",
        BrownFolder,
        "brown_alice_scan",
        "brown_alice_mr_001",
    ];
}
