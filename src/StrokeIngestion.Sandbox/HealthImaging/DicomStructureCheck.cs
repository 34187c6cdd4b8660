using System.Buffers.Binary;
using System.IO.Compression;
using StrokeIngestion.Core.Dicom;

namespace StrokeIngestion.Sandbox.HealthImaging;

/// <summary>
/// Walks a whole Part 10 object element by element to its last byte, as an importer that
/// decodes every instance must. The project's header reader stops after SeriesInstanceUID
/// (the upload handler must not download whole studies), so a file truncated inside its pixel
/// data passes the upload check; HealthImaging then fails that file, and so must the emulator.
/// </summary>
/// <remarks>
/// Checks framing only: every element, item and delimiter lies inside the object, every
/// undefined-length sequence or item is closed, and nothing is left over. Defined-length
/// sequences are skipped by their length. Never throws.
/// </remarks>
internal static class DicomStructureCheck
{
    private const int MetaStart = 132;
    private const int MaxDepth = 64;
    private const long MaxInflatedLength = 1L << 30;
    private const uint UndefinedLength = 0xFFFF_FFFF;
    private const uint ItemTag = 0xFFFE_E000;
    private const uint ItemDelimitationTag = 0xFFFE_E00D;
    private const uint SequenceDelimitationTag = 0xFFFE_E0DD;

    /// <summary>Null when the object is complete, else a snake_case problem code (no values from the file).</summary>
    public static string? FindDamage(byte[] file, string transferSyntaxUid)
    {
        ArgumentNullException.ThrowIfNull(file);
        var datasetStart = SkipMeta(file);
        if (datasetStart < 0)
        {
            return "truncated_meta";
        }

        return transferSyntaxUid switch
        {
            TransferSyntaxes.DeflatedExplicitVrLittleEndian => Inflate(file.AsSpan(datasetStart)) is { } inflated
                ? Walk(inflated, 0, explicitVr: true, bigEndian: false)
                : "deflate_error",
            TransferSyntaxes.ImplicitVrLittleEndian => Walk(file, datasetStart, explicitVr: false, bigEndian: false),
            TransferSyntaxes.ExplicitVrBigEndian => Walk(file, datasetStart, explicitVr: true, bigEndian: true),
            _ => Walk(file, datasetStart, explicitVr: true, bigEndian: false),
        };
    }

    /// <summary>The offset after the group 0002 elements (always explicit VR little endian), or -1.</summary>
    private static int SkipMeta(ReadOnlySpan<byte> file)
    {
        long pos = MetaStart;
        while (pos + 8 <= file.Length && BinaryPrimitives.ReadUInt16LittleEndian(file[(int)pos..]) == 0x0002)
        {
            var (length, headerLength) = HasFourByteLength(file[(int)pos + 4], file[(int)pos + 5])
                ? (pos + 12 <= file.Length ? BinaryPrimitives.ReadUInt32LittleEndian(file[((int)pos + 8)..]) : UndefinedLength, 12)
                : (BinaryPrimitives.ReadUInt16LittleEndian(file[((int)pos + 6)..]), 8);
            if (length == UndefinedLength || pos + headerLength + length > file.Length)
            {
                return -1;
            }

            pos += headerLength + length;
        }

        return (int)pos;
    }

    private static string? Walk(ReadOnlySpan<byte> data, int start, bool explicitVr, bool bigEndian)
    {
        // Open undefined-length containers: true for a sequence (holding items), false for an item.
        Span<bool> inSequence = stackalloc bool[MaxDepth];
        Span<bool> implicitContent = stackalloc bool[MaxDepth];
        var depth = 0;
        long pos = start;
        while (pos < data.Length)
        {
            if (pos + 8 > data.Length)
            {
                return "truncated";
            }

            var p = (int)pos;
            var tag = ((uint)ReadUInt16(data, p, bigEndian) << 16) | ReadUInt16(data, p + 2, bigEndian);
            var implicitHere = depth > 0 ? implicitContent[depth - 1] : !explicitVr;
            if (depth > 0 && inSequence[depth - 1])
            {
                var itemLength = ReadUInt32(data, p + 4, bigEndian);
                pos += 8;
                if (tag == SequenceDelimitationTag)
                {
                    depth--;
                }
                else if (tag != ItemTag)
                {
                    return "invalid_item";
                }
                else if (itemLength == UndefinedLength)
                {
                    if (depth == MaxDepth)
                    {
                        return "too_deeply_nested";
                    }

                    inSequence[depth] = false;
                    implicitContent[depth] = implicitHere;
                    depth++;
                }
                else if (pos + itemLength > data.Length)
                {
                    return "truncated";
                }
                else
                {
                    pos += itemLength;
                }

                continue;
            }

            if (tag == ItemDelimitationTag && depth > 0)
            {
                pos += 8;
                depth--;
                continue;
            }

            if ((tag >> 16) == 0xFFFE)
            {
                return "unexpected_delimiter";
            }

            long length;
            var contentImplicit = implicitHere;
            if (implicitHere)
            {
                length = ReadUInt32(data, p + 4, bigEndian);
                pos += 8;
            }
            else if (HasFourByteLength(data[p + 4], data[p + 5]))
            {
                if (pos + 12 > data.Length)
                {
                    return "truncated";
                }

                // CP-246: an undefined-length UN holds an implicit VR little endian sequence.
                contentImplicit = data[p + 4] == (byte)'U' && data[p + 5] == (byte)'N';
                length = ReadUInt32(data, p + 8, bigEndian);
                pos += 12;
            }
            else
            {
                length = ReadUInt16(data, p + 6, bigEndian);
                pos += 8;
            }

            if (length == UndefinedLength)
            {
                if (depth == MaxDepth)
                {
                    return "too_deeply_nested";
                }

                inSequence[depth] = true;
                implicitContent[depth] = contentImplicit;
                depth++;
                continue;
            }

            if (pos + length > data.Length)
            {
                return "truncated";
            }

            pos += length;
        }

        return depth == 0 ? null : "unterminated_sequence";
    }

    private static byte[]? Inflate(ReadOnlySpan<byte> compressed)
    {
        try
        {
            using var source = new MemoryStream(compressed.ToArray(), writable: false);
            using var inflater = new DeflateStream(source, CompressionMode.Decompress);
            using var inflated = new MemoryStream();
            var buffer = new byte[81920];
            int read;
            while ((read = inflater.Read(buffer)) > 0)
            {
                inflated.Write(buffer, 0, read);
                if (inflated.Length > MaxInflatedLength)
                {
                    return null;
                }
            }

            return inflated.ToArray();
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    /// <summary>Explicit VRs with a reserved field and a 4-byte length (unknown VRs too, per PS3.5 §6.2).</summary>
    private static bool HasFourByteLength(byte vr0, byte vr1) => (char)vr0 switch
    {
        'A' => vr1 is not ((byte)'E' or (byte)'S' or (byte)'T'),
        'C' => vr1 != (byte)'S',
        'D' => vr1 is not ((byte)'A' or (byte)'S' or (byte)'T'),
        'F' => vr1 is not ((byte)'L' or (byte)'D'),
        'I' => vr1 != (byte)'S',
        'L' => vr1 is not ((byte)'O' or (byte)'T'),
        'P' => vr1 != (byte)'N',
        'S' => vr1 is not ((byte)'H' or (byte)'L' or (byte)'S' or (byte)'T'),
        'T' => vr1 != (byte)'M',
        'U' => vr1 is not ((byte)'I' or (byte)'L' or (byte)'S'),
        _ => true,
    };

    private static ushort ReadUInt16(ReadOnlySpan<byte> data, int pos, bool big) =>
        big ? BinaryPrimitives.ReadUInt16BigEndian(data[pos..]) : BinaryPrimitives.ReadUInt16LittleEndian(data[pos..]);

    private static uint ReadUInt32(ReadOnlySpan<byte> data, int pos, bool big) =>
        big ? BinaryPrimitives.ReadUInt32BigEndian(data[pos..]) : BinaryPrimitives.ReadUInt32LittleEndian(data[pos..]);
}
