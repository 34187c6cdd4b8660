using StrokeIngestion.Sandbox.Dicom;

namespace StrokeIngestion.Core.Tests.Upload;

/// <summary>Small DICOM Part 10 objects for upload tests, written by the sandbox's generator.</summary>
internal static class TestDicom
{
    public const string StudyUid = "1.2.826.0.1.3680043.8.498.1";
    public const string SeriesUid = "1.2.826.0.1.3680043.8.498.1.1";

    private static int _sop;

    /// <param name="transferSyntaxUid">Written into the meta group in place of explicit VR little endian.</param>
    /// <param name="pixelBytes">Makes the object roughly this large, for checks that only the head is read.</param>
    public static byte[] Create(string patientId, string modality, string studyUid, string seriesUid, string? transferSyntaxUid, int pixelBytes = 0) =>
        Create(patientId, modality, studyUid, seriesUid, transferSyntaxUid, pixelBytes, change: null);

    /// <param name="change">Edits the parameters last, e.g. to set the patient's other identity attributes.</param>
    public static byte[] Create(string patientId, Func<SyntheticDicomParameters, SyntheticDicomParameters> change) =>
        Create(patientId, "CT", StudyUid, SeriesUid, null, 0, change);

    private static byte[] Create(string patientId, string modality, string studyUid, string seriesUid, string? transferSyntaxUid, int pixelBytes, Func<SyntheticDicomParameters, SyntheticDicomParameters>? change)
    {
        var side = pixelBytes <= 0 ? 64 : (int)Math.Min(1024, Math.Ceiling(Math.Sqrt(pixelBytes / 2.0)));
        var parameters = new SyntheticDicomParameters
        {
            PatientId = patientId,
            Modality = modality,
            StudyInstanceUid = studyUid,
            SeriesInstanceUid = seriesUid,
            SopInstanceUid = $"{seriesUid}.{Interlocked.Increment(ref _sop)}",
            Rows = side,
            Columns = side,
            TransferSyntaxUidOverride = transferSyntaxUid,
        };
        return SyntheticDicom.Create(change is null ? parameters : change(parameters));
    }
}
