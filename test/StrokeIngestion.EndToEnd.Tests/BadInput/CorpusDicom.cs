using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using StrokeIngestion.Core.Dicom;
using StrokeIngestion.Sandbox.Dicom;

namespace StrokeIngestion.EndToEnd.Tests.BadInput;

/// <summary>
/// DICOM files for the corpus: valid synthetic images with made-up but distinctive identifiers
/// (the log check looks for them), byte-level edits, and the upload handler's way of reading a
/// header (ranged reads that grow on demand) to classify what an edit did.
/// </summary>
internal static class CorpusDicom
{
    /// <summary>What every corpus request names as patient_id and every corpus file holds as PatientID.</summary>
    public const string PatientId = "PHI-CORPUS-0001";

    public const string OtherPatientId = "PHI-CORPUS-0002";

    public const string PatientName = "ROE^CORPUS^PHI";

    /// <summary>Identity values the multi-patient cases give the odd file (made up, and PHI needles too).</summary>
    public const string OtherPatientName = "POE^CORPUS^PHI";

    public const string Issuer = "PHI-ISSUER-CORPUS-A";

    public const string OtherIssuer = "PHI-ISSUER-CORPUS-B";

    public const string BirthDate = "19410203";

    public const string OtherBirthDate = "19410302";

    /// <summary>The file name of every corpus object (file names are PHI too).</summary>
    public const string FileName = "roe_corpus_head.dcm";

    public const int PreambleAndMagic = 132;

    /// <summary>The upload handler never reads more than this for one header (DicomObjectInspector).</summary>
    private const int MaxHeaderBytes = 8 * 1024 * 1024;

    /// <summary>A deterministic UID: the corpus (and so every mutation's offset) is the same for a seed.</summary>
    public static string Uid(ulong seed, int n) =>
        string.Create(CultureInfo.InvariantCulture, $"2.25.9{seed % 100_000_000:D8}{n:D12}");

    public static byte[] Create(SyntheticDicomParameters parameters) => SyntheticDicom.Create(parameters);

    /// <summary>
    /// The offset of the first element with <paramref name="tag"/> at or after
    /// <paramref name="from"/> (its tag bytes, in the file's byte order).
    /// </summary>
    public static int Find(byte[] file, uint tag, bool bigEndian = false, int from = PreambleAndMagic)
    {
        Span<byte> pattern = stackalloc byte[4];
        WriteUInt16(pattern, (ushort)(tag >> 16), bigEndian && tag >> 16 != 0x0002);
        WriteUInt16(pattern[2..], (ushort)tag, bigEndian && tag >> 16 != 0x0002);
        var index = file.AsSpan(from).IndexOf(pattern);
        return index < 0
            ? throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Tag {tag:X8} not found."))
            : index + from;
    }

    /// <summary>Where the header the upload handler reads ends: just after the SeriesInstanceUID value.</summary>
    public static int HeaderEnd(byte[] file, string seriesInstanceUid)
    {
        var value = Encoding.ASCII.GetBytes(seriesInstanceUid);
        var index = file.AsSpan().IndexOf(value);
        return index < 0
            ? throw new InvalidOperationException("SeriesInstanceUID not found.")
            : index + value.Length + (value.Length % 2);
    }

    /// <summary>End of the file meta group (start of the data set), from its group length.</summary>
    public static int MetaEnd(byte[] file) =>
        PreambleAndMagic + 12 + (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(PreambleAndMagic + 8));

    public static byte[] Cut(byte[] file, int length) => file[..length];

    /// <summary>A copy with <paramref name="bytes"/> written over the file at <paramref name="offset"/>.</summary>
    public static byte[] Overwrite(byte[] file, int offset, ReadOnlySpan<byte> bytes)
    {
        var copy = (byte[])file.Clone();
        bytes.CopyTo(copy.AsSpan(offset));
        return copy;
    }

    public static byte[] OverwriteUInt16(byte[] file, int offset, ushort value, bool bigEndian = false)
    {
        Span<byte> bytes = stackalloc byte[2];
        WriteUInt16(bytes, value, bigEndian);
        return Overwrite(file, offset, bytes);
    }

    public static byte[] OverwriteUInt32(byte[] file, int offset, uint value, bool bigEndian = false)
    {
        Span<byte> bytes = stackalloc byte[4];
        if (bigEndian)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        }

        return Overwrite(file, offset, bytes);
    }

    /// <summary>A copy with <paramref name="remove"/> bytes at <paramref name="offset"/> replaced by <paramref name="insert"/>.</summary>
    public static byte[] Splice(byte[] file, int offset, int remove, ReadOnlySpan<byte> insert) =>
        [.. file.AsSpan(0, offset), .. insert, .. file.AsSpan(offset + remove)];

    /// <summary>Reads the header as the upload handler does: the first 16 KiB, then more while the reader asks.</summary>
    public static DicomReadResult ReadLikeUpload(byte[] file)
    {
        var length = Math.Min(file.Length, DicomHeaderReader.InitialReadLength);
        while (true)
        {
            var whole = length >= file.Length;
            var result = DicomHeaderReader.Read(file.AsSpan(0, length), whole);
            if (result.Status == DicomReadStatus.NeedMoreData && !whole && result.BytesNeeded > length && result.BytesNeeded <= MaxHeaderBytes)
            {
                length = Math.Min(file.Length, result.BytesNeeded);
                continue;
            }

            return result;
        }
    }

    /// <summary>
    /// The code a damaged file must get when the reader finds the damage; null when the reader
    /// reads a header (the edit left something that looks valid, so it is no bad input by construction).
    /// </summary>
    public static string? DamageCode(byte[] file) => ReadLikeUpload(file).Status switch
    {
        DicomReadStatus.NotDicom => "not_dicom",
        DicomReadStatus.Malformed or DicomReadStatus.NeedMoreData => "malformed_dicom",
        _ => null,
    };

    private static void WriteUInt16(Span<byte> target, ushort value, bool bigEndian)
    {
        if (bigEndian)
        {
            BinaryPrimitives.WriteUInt16BigEndian(target, value);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(target, value);
        }
    }
}
