namespace StrokeIngestion.Core.Dicom;

/// <summary>
/// The identifying values of one DICOM Part 10 object, read from its header. Every value
/// except <see cref="TransferSyntaxUid"/> is null when the element is absent or empty.
/// Values come from the top level of the data set only (never from inside a sequence),
/// with the padding PS3.5 §6.2 calls insignificant removed: trailing spaces and NULs from
/// every value, leading spaces too from CS, LO and DA values (<see cref="Modality"/>,
/// <see cref="PatientId"/>, <see cref="IssuerOfPatientId"/>, <see cref="PatientSex"/>,
/// <see cref="PatientBirthDate"/>); multi-valued strings keep their backslashes.
/// The patient attributes are PHI: never log them or put them in an error message.
/// </summary>
/// <param name="TransferSyntaxUid">(0002,0010) from the file meta information.</param>
/// <param name="SopClassUid">(0008,0016), or (0002,0002) MediaStorageSOPClassUID when the data set has none.</param>
/// <param name="SopInstanceUid">(0008,0018), or (0002,0003) MediaStorageSOPInstanceUID when the data set has none.</param>
/// <param name="Modality">(0008,0060), e.g. <c>CT</c> or <c>MR</c>.</param>
/// <param name="PatientId">
/// (0010,0020); decoded as UTF-8 when (0008,0005) names ISO_IR 192 and the bytes are valid
/// UTF-8, otherwise as ISO 8859-1, which maps every byte to its own character: no decoding
/// is lossy, so two different byte strings never compare equal. The other patient
/// attributes decode the same way.
/// </param>
/// <param name="StudyInstanceUid">(0020,000D).</param>
/// <param name="SeriesInstanceUid">(0020,000E).</param>
/// <param name="PatientName">(0010,0010), PN, as stored (components separated by <c>^</c>, groups by <c>=</c>).</param>
/// <param name="IssuerOfPatientId">(0010,0021): the authority that assigned <paramref name="PatientId"/>.</param>
/// <param name="PatientBirthDate">(0010,0030), DA (<c>YYYYMMDD</c>).</param>
/// <param name="PatientSex">(0010,0040), CS (<c>M</c>, <c>F</c> or <c>O</c>).</param>
public sealed record DicomHeader(
    string TransferSyntaxUid,
    string? SopClassUid,
    string? SopInstanceUid,
    string? Modality,
    string? PatientId,
    string? StudyInstanceUid,
    string? SeriesInstanceUid,
    string? PatientName = null,
    string? IssuerOfPatientId = null,
    string? PatientBirthDate = null,
    string? PatientSex = null);
