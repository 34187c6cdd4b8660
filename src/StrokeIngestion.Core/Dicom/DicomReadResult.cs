namespace StrokeIngestion.Core.Dicom;

/// <summary>Outcome of <see cref="DicomHeaderReader.Read"/>.</summary>
public enum DicomReadStatus
{
    /// <summary>The header was read; <see cref="DicomReadResult.Header"/> is set.</summary>
    Ok,

    /// <summary>The prefix ends too early; read <see cref="DicomReadResult.BytesNeeded"/> bytes and call again.</summary>
    NeedMoreData,

    /// <summary>Not a DICOM Part 10 file (too short, or no <c>DICM</c> at offset 128).</summary>
    NotDicom,

    /// <summary>A Part 10 file whose encoding is broken; <see cref="DicomReadResult.Problem"/> says how.</summary>
    Malformed,
}

/// <summary>
/// Result of reading a DICOM header from a prefix of an object.
/// </summary>
/// <param name="Status">What happened.</param>
/// <param name="Header">The values, when <paramref name="Status"/> is <see cref="DicomReadStatus.Ok"/>.</param>
/// <param name="BytesNeeded">
/// For <see cref="DicomReadStatus.NeedMoreData"/>: the total prefix length (from byte 0) to read
/// next; always more than the length given. Zero otherwise.
/// </param>
/// <param name="Problem">
/// For <see cref="DicomReadStatus.NotDicom"/> and <see cref="DicomReadStatus.Malformed"/>: a short
/// snake_case code from <see cref="DicomProblems"/>. Never contains values from the file.
/// </param>
public sealed record DicomReadResult(DicomReadStatus Status, DicomHeader? Header, int BytesNeeded, string? Problem);

/// <summary>The problem codes <see cref="DicomHeaderReader"/> reports. Free of PHI by construction.</summary>
public static class DicomProblems
{
    /// <summary>A whole object shorter than the 128-byte preamble plus <c>DICM</c>.</summary>
    public const string TooShort = "too_short";

    /// <summary>No <c>DICM</c> prefix at offset 128 (a raw data set, or not DICOM at all).</summary>
    public const string MissingDicmPrefix = "missing_dicm_prefix";

    /// <summary>The whole object ends inside an element.</summary>
    public const string Truncated = "truncated";

    /// <summary>A length that cannot be right (undefined where not allowed, or inconsistent).</summary>
    public const string BadLength = "bad_length";

    /// <summary>No (0002,0010) TransferSyntaxUID in the file meta information.</summary>
    public const string MissingTransferSyntax = "missing_transfer_syntax";

    /// <summary>An undefined-length sequence or item that the whole object never closes.</summary>
    public const string UnterminatedSequence = "unterminated_sequence";

    /// <summary>An explicit VR that is not two upper-case letters.</summary>
    public const string InvalidVr = "invalid_vr";

    /// <summary>Something other than an item or a sequence delimiter inside a sequence.</summary>
    public const string InvalidItem = "invalid_item";

    /// <summary>An item or sequence delimiter where none can be.</summary>
    public const string UnexpectedDelimiter = "unexpected_delimiter";

    /// <summary>Sequences nested deeper than the reader follows.</summary>
    public const string TooDeeplyNested = "too_deeply_nested";

    /// <summary>The header would need more bytes than <see cref="DicomHeaderReader.MaxHeaderLength"/>.</summary>
    public const string HeaderTooLarge = "header_too_large";

    /// <summary>A deflated data set that does not inflate.</summary>
    public const string DeflateError = "deflate_error";
}
