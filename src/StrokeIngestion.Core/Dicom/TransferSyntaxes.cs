using System.Collections.Frozen;

namespace StrokeIngestion.Core.Dicom;

/// <summary>
/// Transfer syntax UIDs the ingestion pipeline cares about, and the set AWS HealthImaging
/// imports (its developer guide, "Supported transfer syntaxes").
/// </summary>
public static class TransferSyntaxes
{
    public const string ImplicitVrLittleEndian = "1.2.840.10008.1.2";
    public const string ExplicitVrLittleEndian = "1.2.840.10008.1.2.1";
    public const string DeflatedExplicitVrLittleEndian = "1.2.840.10008.1.2.1.99";
    public const string ExplicitVrBigEndian = "1.2.840.10008.1.2.2";
    public const string JpegBaseline8Bit = "1.2.840.10008.1.2.4.50";
    public const string JpegExtended12Bit = "1.2.840.10008.1.2.4.51";
    public const string JpegLossless = "1.2.840.10008.1.2.4.57";
    public const string JpegLosslessSv1 = "1.2.840.10008.1.2.4.70";
    public const string JpegLsLossless = "1.2.840.10008.1.2.4.80";
    public const string JpegLsNearLossless = "1.2.840.10008.1.2.4.81";
    public const string Jpeg2000Lossless = "1.2.840.10008.1.2.4.90";
    public const string Jpeg2000 = "1.2.840.10008.1.2.4.91";
    public const string Jpeg2000MultiComponentLossless = "1.2.840.10008.1.2.4.92";
    public const string Jpeg2000MultiComponent = "1.2.840.10008.1.2.4.93";
    public const string HtJ2kLossless = "1.2.840.10008.1.2.4.201";
    public const string HtJ2kLosslessRpcl = "1.2.840.10008.1.2.4.202";
    public const string HtJ2k = "1.2.840.10008.1.2.4.203";
    public const string RleLossless = "1.2.840.10008.1.2.5";

    private static readonly string[] Supported =
    [
        ImplicitVrLittleEndian,
        ExplicitVrLittleEndian,
        DeflatedExplicitVrLittleEndian,
        ExplicitVrBigEndian,
        JpegBaseline8Bit,
        JpegExtended12Bit,
        JpegLossless,
        JpegLosslessSv1,
        JpegLsLossless,
        JpegLsNearLossless,
        Jpeg2000Lossless,
        Jpeg2000,
        Jpeg2000MultiComponentLossless,
        Jpeg2000MultiComponent,
        HtJ2kLossless,
        HtJ2kLosslessRpcl,
        HtJ2k,
        RleLossless,
    ];

    private static readonly FrozenSet<string> SupportedSet = Supported.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>The transfer syntax UIDs HealthImaging accepts for import, in registry order.</summary>
    public static IReadOnlyList<string> SupportedByHealthImaging { get; } = Array.AsReadOnly(Supported);

    /// <summary>True when HealthImaging imports files in this transfer syntax (exact, case-sensitive UID match).</summary>
    public static bool IsSupportedByHealthImaging(string uid) => SupportedSet.Contains(uid);
}
