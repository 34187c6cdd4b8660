using System.Reflection;
using StrokeIngestion.Core.Dicom;

namespace StrokeIngestion.Core.Tests.Dicom;

/// <summary>
/// What must hold for <see cref="DicomHeaderReader.Read"/> on any bytes at all. One definition
/// for two users: the AFL++ harness (fuzz/StrokeIngestion.Fuzz links this file; a violation is
/// a crash there) and <c>DicomHeaderReaderFuzzRegressionTests</c>, which replays every
/// input the fuzzer ever flagged or kept. Only the BCL is used here, so the harness needs no
/// test framework.
/// </summary>
internal static class DicomReadInvariants
{
    /// <summary>The round limit of the documented caller loop: each round at least doubles the prefix.</summary>
    private const int MaxRounds = 64;

    private const int MetaStart = 132;

    private static readonly HashSet<string> MalformedProblems = typeof(DicomProblems)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => f.GetRawConstantValue())
        .OfType<string>()
        .Where(p => p is not DicomProblems.TooShort and not DicomProblems.MissingDicmPrefix)
        .ToHashSet(StringComparer.Ordinal);

    /// <summary>
    /// Reads <paramref name="data"/> as a whole object, as a prefix, and the way the documented
    /// caller does (a first read, then what the reader asks for), and checks every result.
    /// </summary>
    /// <exception cref="InvalidOperationException">An invariant does not hold; the message says which.</exception>
    public static void Check(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);

        var whole = DicomHeaderReader.Read(data, isWholeObject: true);
        CheckShape(whole, data, data.Length, isWhole: true);

        var prefix = DicomHeaderReader.Read(data, isWholeObject: false);
        CheckShape(prefix, data, data.Length, isWhole: false);
        CheckAgreesWithWhole(prefix, whole, data.Length);

        // A one-byte first read walks the short-prefix answers (NeedMoreData for the preamble,
        // then for the meta group); a cut in the middle lands inside whatever element is there.
        CheckCallerLoop(data, 1, whole);
        CheckCallerLoop(data, data.Length / 2, whole);
    }

    /// <summary>Each status comes with exactly the fields its documentation promises.</summary>
    private static void CheckShape(DicomReadResult result, byte[] data, int length, bool isWhole)
    {
        var hasDicm = length >= MetaStart && data.AsSpan(128, 4).SequenceEqual("DICM"u8);
        var context = $"{result.Status} ({result.Problem ?? "no problem"}) for {length} bytes, isWholeObject {isWhole}";
        switch (result.Status)
        {
            case DicomReadStatus.Ok:
                Require(result.Header is not null && result.BytesNeeded == 0 && result.Problem is null, "Ok must carry a header, no problem and BytesNeeded 0", context);
                Require(hasDicm, "Ok needs the DICM prefix", context);
                if (result.Header is { } header)
                {
                    CheckHeader(header, context);
                }

                break;
            case DicomReadStatus.NeedMoreData:
                Require(!isWhole, "a whole object can never need more data", context);
                Require(result.Header is null && result.Problem is null, "NeedMoreData carries no header and no problem", context);
                Require(
                    result.BytesNeeded > length && result.BytesNeeded <= DicomHeaderReader.MaxHeaderLength,
                    $"BytesNeeded {result.BytesNeeded} must exceed the {length} bytes given and stay within MaxHeaderLength",
                    context);
                Require(hasDicm || length < MetaStart, "a prefix long enough to hold DICM either has it or is NotDicom", context);
                break;
            case DicomReadStatus.NotDicom:
                Require(result.Header is null && result.BytesNeeded == 0, "NotDicom carries no header and BytesNeeded 0", context);
                Require(
                    result.Problem == (length < MetaStart ? DicomProblems.TooShort : DicomProblems.MissingDicmPrefix),
                    "NotDicom means too short (whole object under 132 bytes) or no DICM at offset 128",
                    context);
                Require(!hasDicm && (isWhole || length >= MetaStart), "NotDicom only without DICM, and a short prefix asks for more", context);
                break;
            case DicomReadStatus.Malformed:
                Require(result.Header is null && result.BytesNeeded == 0, "Malformed carries no header and BytesNeeded 0", context);
                Require(result.Problem is not null && MalformedProblems.Contains(result.Problem), "Malformed needs a known problem code", context);
                Require(hasDicm, "Malformed is for Part 10 files (with DICM) only", context);
                break;
            default:
                throw new InvalidOperationException($"Unknown status: {context}.");
        }
    }

    /// <summary>The values come trimmed, and empty means null (DicomHeader's documentation).</summary>
    private static void CheckHeader(DicomHeader header, string context)
    {
        Require(IsTrimmedValue(header.TransferSyntaxUid), "the transfer syntax UID must be a non-empty trimmed value", context);
        string?[] optional =
        [
            header.SopClassUid, header.SopInstanceUid, header.Modality, header.PatientId, header.StudyInstanceUid, header.SeriesInstanceUid,
            header.PatientName, header.IssuerOfPatientId, header.PatientBirthDate, header.PatientSex,
        ];
        foreach (var value in optional)
        {
            Require(value is null || IsTrimmedValue(value), "header values are null or non-empty without trailing padding", context);
        }

        // CS, LO and DA values lose their leading spaces too (PS3.5 §6.2).
        string?[] leadingTrimmed = [header.Modality, header.PatientId, header.IssuerOfPatientId, header.PatientBirthDate, header.PatientSex];
        foreach (var value in leadingTrimmed)
        {
            Require(value is null || !value.StartsWith(' '), "CS, LO and DA values have no leading spaces", context);
        }
    }

    private static bool IsTrimmedValue(string value) => value.Length > 0 && value[^1] is not (' ' or '\0');

    /// <summary>
    /// A verdict given on a prefix is final: the bytes that follow cannot change it. An Ok header
    /// read from a prefix is the header of the whole object; NotDicom and Malformed stay so
    /// (the problem code may differ: a prefix that would need more than MaxHeaderLength is
    /// header_too_large, the whole object that ends first is truncated).
    /// </summary>
    private static void CheckAgreesWithWhole(DicomReadResult prefix, DicomReadResult whole, int length)
    {
        var context = $"prefix of {length} bytes says {prefix.Status} ({prefix.Problem ?? "no problem"}), the whole object {whole.Status} ({whole.Problem ?? "no problem"})";
        switch (prefix.Status)
        {
            case DicomReadStatus.Ok:
                Require(prefix == whole, "an Ok prefix must give the whole object's header", context);
                break;
            case DicomReadStatus.NotDicom:
            case DicomReadStatus.Malformed:
                Require(prefix.Status == whole.Status, "a rejected prefix must stay rejected", context);
                break;
        }
    }

    /// <summary>
    /// The loop the reader's documentation prescribes: read <paramref name="firstLength"/> bytes,
    /// then <c>min(BytesNeeded, size)</c> until the status is final. It must end within
    /// <see cref="MaxRounds"/> rounds, with the whole object's verdict.
    /// </summary>
    private static void CheckCallerLoop(byte[] data, int firstLength, DicomReadResult whole)
    {
        var length = Math.Min(firstLength, data.Length);
        for (var round = 0; ; round++)
        {
            var isWhole = length == data.Length;
            var result = DicomHeaderReader.Read(data.AsSpan(0, length), isWhole);
            CheckShape(result, data, length, isWhole);
            if (isWhole)
            {
                Require(result == whole, "reading the same whole object twice must give the same result", $"first read {firstLength}, round {round}");
                return;
            }

            CheckAgreesWithWhole(result, whole, length);
            if (result.Status != DicomReadStatus.NeedMoreData)
            {
                return;
            }

            Require(round < MaxRounds, "the caller loop must end within 64 rounds", $"first read {firstLength}, at {length} bytes");
            length = Math.Min(result.BytesNeeded, data.Length);
        }
    }

    private static void Require(bool condition, string invariant, string context)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"DicomHeaderReader invariant violated: {invariant}. Got {context}.");
        }
    }
}
