namespace StrokeIngestion.Core.Dicom;

/// <summary>
/// The identifying values of one DICOM Part 10 object, read from its header. Every value
/// except <see cref="TransferSyntaxUid"/> is null when the element is absent or empty.
/// Values come from the top level of the data set only (never from inside a sequence),
/// with trailing spaces and NULs removed (and leading spaces for <see cref="Modality"/>);
/// multi-valued strings keep their backslashes.
/// <see cref="PatientId"/> is PHI: never log it or put it in an error message.
/// </summary>
/// <param name="TransferSyntaxUid">(0002,0010) from the file meta information.</param>
/// <param name="SopClassUid">(0008,0016), or (0002,0002) MediaStorageSOPClassUID when the data set has none.</param>
/// <param name="SopInstanceUid">(0008,0018), or (0002,0003) MediaStorageSOPInstanceUID when the data set has none.</param>
/// <param name="Modality">(0008,0060), e.g. <c>CT</c> or <c>MR</c>.</param>
/// <param name="PatientId">(0010,0020); decoded as UTF-8 when (0008,0005) names ISO_IR 192, otherwise as ISO 8859-1.</param>
/// <param name="StudyInstanceUid">(0020,000D).</param>
/// <param name="SeriesInstanceUid">(0020,000E).</param>
public sealed record DicomHeader(
    string TransferSyntaxUid,
    string? SopClassUid,
    string? SopInstanceUid,
    string? Modality,
    string? PatientId,
    string? StudyInstanceUid,
    string? SeriesInstanceUid);
