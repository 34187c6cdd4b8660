using System.Buffers.Binary;
using System.Text;

namespace StrokeIngestion.Core.Tests.Dicom;

/// <summary>Byte-level builders for hand-made (often deliberately broken) DICOM files.</summary>
internal static class RawDicom
{
    public const string CtImageStorage = "1.2.840.10008.5.1.4.1.1.2";
    public const string ExplicitLittle = "1.2.840.10008.1.2.1";
    public const string ImplicitLittle = "1.2.840.10008.1.2";
    public const uint Undefined = 0xFFFF_FFFF;

    public static byte[] ItemDelimiter { get; } = [0xFE, 0xFF, 0x0D, 0xE0, 0, 0, 0, 0];

    public static byte[] SequenceDelimiter { get; } = [0xFE, 0xFF, 0xDD, 0xE0, 0, 0, 0, 0];

    /// <summary>Preamble, <c>DICM</c>, a meta group (no (0002,0010) when <paramref name="transferSyntaxUid"/> is null), then the data set.</summary>
    public static byte[] Part10(string? transferSyntaxUid, byte[] dataset, bool withGroupLength = true, string? sopClassUid = CtImageStorage, string? sopInstanceUid = "1.2.3.4.5", int groupLengthError = 0)
    {
        var meta = new List<byte[]> { Explicit(0x0002_0001, "OB", [0, 1]) };
        if (sopClassUid is not null)
        {
            meta.Add(Explicit(0x0002_0002, "UI", Uid(sopClassUid)));
        }

        if (sopInstanceUid is not null)
        {
            meta.Add(Explicit(0x0002_0003, "UI", Uid(sopInstanceUid)));
        }

        if (transferSyntaxUid is not null)
        {
            meta.Add(Explicit(0x0002_0010, "UI", Uid(transferSyntaxUid)));
        }

        var body = Concat([.. meta]);
        var groupLength = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(groupLength, (uint)(body.Length + groupLengthError));
        return Concat(
            new byte[128],
            "DICM"u8.ToArray(),
            withGroupLength ? Explicit(0x0002_0000, "UL", groupLength) : [],
            body,
            dataset);
    }

    /// <summary>An explicit VR little endian element; <paramref name="length"/> overrides the value's length.</summary>
    public static byte[] Explicit(uint tag, string vr, byte[] value, uint? length = null)
    {
        var longForm = vr is "OB" or "OD" or "OF" or "OL" or "OV" or "OW" or "SQ" or "UC" or "UN" or "UR" or "UT" or "SV" or "UV";
        var header = new byte[longForm ? 12 : 8];
        BinaryPrimitives.WriteUInt16LittleEndian(header, (ushort)(tag >> 16));
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(2), (ushort)tag);
        header[4] = (byte)vr[0];
        header[5] = (byte)vr[1];
        if (longForm)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), length ?? (uint)value.Length);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(6), (ushort)(length ?? (uint)value.Length));
        }

        return Concat(header, value);
    }

    /// <summary>An implicit VR little endian element (also the form of items and delimiters).</summary>
    public static byte[] Implicit(uint tag, byte[] value, uint? length = null)
    {
        var header = new byte[8];
        BinaryPrimitives.WriteUInt16LittleEndian(header, (ushort)(tag >> 16));
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(2), (ushort)tag);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), length ?? (uint)value.Length);
        return Concat(header, value);
    }

    /// <summary>An item, with an item delimiter after the content when of undefined length.</summary>
    public static byte[] Item(byte[] content, bool undefinedLength) =>
        undefinedLength
            ? Concat(Implicit(0xFFFE_E000, [], Undefined), content, ItemDelimiter)
            : Implicit(0xFFFE_E000, content);

    /// <summary>ASCII text padded to even length with a space.</summary>
    public static byte[] Text(string value) => Pad(Encoding.ASCII.GetBytes(value), (byte)' ');

    /// <summary>A UID padded to even length with NUL.</summary>
    public static byte[] Uid(string value) => Pad(Encoding.ASCII.GetBytes(value), 0);

    public static byte[] Concat(params byte[][] parts)
    {
        var result = new byte[parts.Sum(p => p.Length)];
        var offset = 0;
        foreach (var part in parts)
        {
            part.CopyTo(result, offset);
            offset += part.Length;
        }

        return result;
    }

    private static byte[] Pad(byte[] bytes, byte pad) => bytes.Length % 2 == 0 ? bytes : [.. bytes, pad];
}
