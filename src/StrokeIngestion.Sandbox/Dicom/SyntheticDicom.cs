using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Numerics;
using System.Text;

namespace StrokeIngestion.Sandbox.Dicom;

/// <summary>Encodings <see cref="SyntheticDicom"/> writes the data set in.</summary>
internal enum SyntheticTransferSyntax
{
    ExplicitLittle,
    ImplicitLittle,
    ExplicitBig,
    DeflatedExplicitLittle,
}

/// <summary>Whether to add a sequence, before the patient module, that holds decoy identifiers.</summary>
internal enum DecoySequence
{
    None,
    DefinedLength,
    UndefinedLength,
}

/// <summary>What one synthetic image holds. Identifiers are made up: never real patient data.</summary>
internal sealed record SyntheticDicomParameters
{
    public required string PatientId { get; init; }

    public string PatientName { get; init; } = "Synthetic^Patient";

    /// <summary>(0010,0021); not written when null.</summary>
    public string? IssuerOfPatientId { get; init; }

    /// <summary>(0010,0030), DA; written empty (Type 2, unknown) when empty.</summary>
    public string PatientBirthDate { get; init; } = "19700101";

    /// <summary>(0010,0040), CS; written empty (Type 2, unknown) when empty.</summary>
    public string PatientSex { get; init; } = "O";

    /// <summary><c>CT</c> or <c>MR</c>; selects the SOP class and the modality-specific elements.</summary>
    public string Modality { get; init; } = "CT";

    public required string StudyInstanceUid { get; init; }

    public required string SeriesInstanceUid { get; init; }

    public required string SopInstanceUid { get; init; }

    public int InstanceNumber { get; init; } = 1;

    public SyntheticTransferSyntax TransferSyntax { get; init; } = SyntheticTransferSyntax.ExplicitLittle;

    public int Rows { get; init; } = 64;

    public int Columns { get; init; } = 64;

    /// <summary>
    /// A (0008,1115) sequence whose items hold a different PatientID, StudyInstanceUID and
    /// SeriesInstanceUID (and a nested sequence with another PatientID): a reader that takes
    /// nested values for top-level ones gets these wrong.
    /// </summary>
    public DecoySequence Decoy { get; init; } = DecoySequence.None;

    /// <summary>Bytes of a private (0009,1001) OB element placed before the patient module, to make a long header.</summary>
    public int PrivateBlobLength { get; init; }

    /// <summary>(0008,0005); <c>ISO_IR 192</c> writes text as UTF-8, anything else as ISO 8859-1.</summary>
    public string SpecificCharacterSet { get; init; } = "ISO_IR 100";

    /// <summary>Writes this UID into the meta group instead of the data set's own syntax (the data set stays as encoded), to test refusals of syntaxes HealthImaging does not import.</summary>
    public string? TransferSyntaxUidOverride { get; init; }
}

/// <summary>
/// Writes small, valid DICOM Part 10 CT and MR images (64×64, 16-bit monochrome, a simple
/// head phantom) for tests and the local sandbox. DCMTK's dcmdump reads every file without a
/// warning.
/// </summary>
internal static class SyntheticDicom
{
    public const string CtImageStorage = "1.2.840.10008.5.1.4.1.1.2";
    public const string MrImageStorage = "1.2.840.10008.5.1.4.1.1.4";
    public const string SecondaryCaptureImageStorage = "1.2.840.10008.5.1.4.1.1.7";

    /// <summary>The decoy values the <see cref="DecoySequence"/> option plants inside sequences.</summary>
    public const string DecoyPatientId = "DECOY-NESTED-ID";
    public const string DecoyDeepPatientId = "DECOY-DEEPER-ID";
    public const string DecoyStudyInstanceUid = "2.25.1111111111111111111111111111111";
    public const string DecoySeriesInstanceUid = "2.25.2222222222222222222222222222222";

    private const string ImplementationClassUid = "2.25.325467936071563203252197066145315291587";
    private const string ImplementationVersionName = "STROKEINGEST_1";
    private const string PrivateCreator = "STROKEINGEST TEST";

    /// <summary>A new UID under the UUID arc (<c>2.25.</c> + the decimal form of a random 128-bit number).</summary>
    public static string NewUid()
    {
        Span<byte> bytes = stackalloc byte[16];
        Guid.NewGuid().TryWriteBytes(bytes);
        return "2.25." + new BigInteger(bytes, isUnsigned: true).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Parameters for one image with freshly minted UIDs.</summary>
    public static SyntheticDicomParameters NewParameters(
        string modality = "CT",
        SyntheticTransferSyntax transferSyntax = SyntheticTransferSyntax.ExplicitLittle,
        string patientId = "SYN-0001") =>
        new()
        {
            PatientId = patientId,
            Modality = modality,
            StudyInstanceUid = NewUid(),
            SeriesInstanceUid = NewUid(),
            SopInstanceUid = NewUid(),
            TransferSyntax = transferSyntax,
        };

    public static string TransferSyntaxUid(SyntheticTransferSyntax syntax) => syntax switch
    {
        SyntheticTransferSyntax.ExplicitLittle => "1.2.840.10008.1.2.1",
        SyntheticTransferSyntax.ImplicitLittle => "1.2.840.10008.1.2",
        SyntheticTransferSyntax.ExplicitBig => "1.2.840.10008.1.2.2",
        SyntheticTransferSyntax.DeflatedExplicitLittle => "1.2.840.10008.1.2.1.99",
        _ => throw new ArgumentOutOfRangeException(nameof(syntax), syntax, "Unknown transfer syntax."),
    };

    /// <summary>CT or MR Image Storage; any other modality is written as Secondary Capture (for refusal tests).</summary>
    public static string SopClassUid(string modality) => modality switch
    {
        "CT" => CtImageStorage,
        "MR" => MrImageStorage,
        _ => SecondaryCaptureImageStorage,
    };

    /// <summary>The complete Part 10 file: preamble, <c>DICM</c>, meta group, data set.</summary>
    public static byte[] Create(SyntheticDicomParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var sopClassUid = SopClassUid(parameters.Modality);
        if (parameters.Rows is < 1 or > 1024 || parameters.Columns is < 1 or > 1024)
        {
            throw new ArgumentException("Rows and columns must be between 1 and 1024.", nameof(parameters));
        }

        var transferSyntaxUid = parameters.TransferSyntaxUidOverride ?? TransferSyntaxUid(parameters.TransferSyntax);
        var dataset = EncodeDataset(parameters, sopClassUid);

        using var file = new MemoryStream();
        file.Write(new byte[128]);
        file.Write("DICM"u8);
        file.Write(EncodeMeta(sopClassUid, parameters.SopInstanceUid, transferSyntaxUid));
        if (parameters.TransferSyntax == SyntheticTransferSyntax.DeflatedExplicitLittle)
        {
            using var deflater = new DeflateStream(file, CompressionLevel.Optimal, leaveOpen: true);
            deflater.Write(dataset);
        }
        else
        {
            file.Write(dataset);
        }

        return file.ToArray();
    }

    private static byte[] EncodeMeta(string sopClassUid, string sopInstanceUid, string transferSyntaxUid)
    {
        var encoder = new Encoder(explicitVr: true, bigEndian: false, Encoding.ASCII);
        var elements = new SortedDictionary<uint, byte[]>
        {
            [0x0002_0001] = encoder.Binary(0x0002_0001, "OB", [0x00, 0x01]),
            [0x0002_0002] = encoder.Text(0x0002_0002, "UI", sopClassUid),
            [0x0002_0003] = encoder.Text(0x0002_0003, "UI", sopInstanceUid),
            [0x0002_0010] = encoder.Text(0x0002_0010, "UI", transferSyntaxUid),
            [0x0002_0012] = encoder.Text(0x0002_0012, "UI", ImplementationClassUid),
            [0x0002_0013] = encoder.Text(0x0002_0013, "SH", ImplementationVersionName),
        };
        var body = Concat(elements.Values);
        Span<byte> groupLength = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(groupLength, (uint)body.Length);
        return [.. encoder.Binary(0x0002_0000, "UL", groupLength), .. body];
    }

    private static byte[] EncodeDataset(SyntheticDicomParameters p, string sopClassUid)
    {
        var textEncoding = p.SpecificCharacterSet.Contains("ISO_IR 192", StringComparison.Ordinal) ? Encoding.UTF8 : Encoding.Latin1;
        var encoder = new Encoder(
            explicitVr: p.TransferSyntax != SyntheticTransferSyntax.ImplicitLittle,
            bigEndian: p.TransferSyntax == SyntheticTransferSyntax.ExplicitBig,
            textEncoding);
        var isCt = p.Modality == "CT";
        var sliceLocation = (p.InstanceNumber * 5.0).ToString("0.0", CultureInfo.InvariantCulture);

        // Keyed by tag so the data set comes out in ascending tag order whatever the order here.
        var elements = new SortedDictionary<uint, byte[]>();
        void Text(uint tag, string vr, string value) => elements[tag] = encoder.Text(tag, vr, value);
        void UShort(uint tag, ushort value) => elements[tag] = encoder.UInt16(tag, value);

        Text(0x0008_0005, "CS", p.SpecificCharacterSet);
        Text(0x0008_0008, "CS", @"ORIGINAL\PRIMARY\AXIAL");
        Text(0x0008_0016, "UI", sopClassUid);
        Text(0x0008_0018, "UI", p.SopInstanceUid);
        Text(0x0008_0020, "DA", "20260101");
        Text(0x0008_0030, "TM", "120000");
        Text(0x0008_0050, "SH", string.Empty);
        Text(0x0008_0060, "CS", p.Modality);
        Text(0x0008_0090, "PN", string.Empty);
        Text(0x0008_1030, "LO", isCt ? "SYNTHETIC HEAD CT" : "SYNTHETIC BRAIN MR");
        Text(0x0008_103E, "LO", isCt ? "AXIAL 5MM" : "AXIAL T2");
        if (p.Decoy != DecoySequence.None)
        {
            elements[0x0008_1115] = EncodeDecoy(encoder, p.Decoy == DecoySequence.UndefinedLength, sopClassUid);
        }

        if (p.PrivateBlobLength > 0)
        {
            Text(0x0009_0010, "LO", PrivateCreator);
            var blob = new byte[p.PrivateBlobLength + (p.PrivateBlobLength % 2)];
            for (var i = 0; i < blob.Length; i++)
            {
                blob[i] = (byte)(i * 31);
            }

            elements[0x0009_1001] = encoder.Binary(0x0009_1001, "OB", blob);
        }

        Text(0x0010_0010, "PN", p.PatientName);
        Text(0x0010_0020, "LO", p.PatientId);
        if (p.IssuerOfPatientId is not null)
        {
            Text(0x0010_0021, "LO", p.IssuerOfPatientId);
        }

        Text(0x0010_0030, "DA", p.PatientBirthDate);
        Text(0x0010_0040, "CS", p.PatientSex);
        Text(0x0018_0050, "DS", "5");
        if (isCt)
        {
            Text(0x0018_0060, "DS", "120");
        }
        else
        {
            Text(0x0018_0087, "DS", "3");
        }

        Text(0x0020_000D, "UI", p.StudyInstanceUid);
        Text(0x0020_000E, "UI", p.SeriesInstanceUid);
        Text(0x0020_0010, "SH", "1");
        Text(0x0020_0011, "IS", "1");
        Text(0x0020_0013, "IS", p.InstanceNumber.ToString(CultureInfo.InvariantCulture));
        Text(0x0020_0032, "DS", @"-16\-16\" + sliceLocation);
        Text(0x0020_0037, "DS", @"1\0\0\0\1\0");
        Text(0x0020_1041, "DS", sliceLocation);
        UShort(0x0028_0002, 1);
        Text(0x0028_0004, "CS", "MONOCHROME2");
        UShort(0x0028_0010, (ushort)p.Rows);
        UShort(0x0028_0011, (ushort)p.Columns);
        Text(0x0028_0030, "DS", @"0.5\0.5");
        UShort(0x0028_0100, 16);
        UShort(0x0028_0101, 12);
        UShort(0x0028_0102, 11);
        UShort(0x0028_0103, 0);
        if (isCt)
        {
            Text(0x0028_1050, "DS", "40");
            Text(0x0028_1051, "DS", "80");
            Text(0x0028_1052, "DS", "-1024");
            Text(0x0028_1053, "DS", "1");
        }

        elements[0x7FE0_0010] = encoder.Binary(0x7FE0_0010, "OW", HeadPhantom(p.Rows, p.Columns, isCt, p.InstanceNumber, encoder.BigEndian));
        return Concat(elements.Values);
    }

    private static byte[] EncodeDecoy(Encoder encoder, bool undefinedLength, string sopClassUid)
    {
        var deeper = new List<byte[]>
        {
            encoder.Text(0x0008_1150, "UI", sopClassUid),
            encoder.Text(0x0008_1155, "UI", "2.25.3333333333333333333333333333333"),
            encoder.Text(0x0010_0020, "LO", DecoyDeepPatientId),
        };
        var item = new List<byte[]>
        {
            encoder.Text(0x0008_1150, "UI", sopClassUid),
            encoder.Text(0x0008_1155, "UI", "2.25.4444444444444444444444444444444"),
            encoder.Sequence(0x0008_1199, undefinedLength, [deeper]),
            encoder.Text(0x0010_0020, "LO", DecoyPatientId),
            encoder.Text(0x0020_000D, "UI", DecoyStudyInstanceUid),
            encoder.Text(0x0020_000E, "UI", DecoySeriesInstanceUid),
        };
        return encoder.Sequence(0x0008_1115, undefinedLength, [item, item]);
    }

    /// <summary>
    /// An axial head slice: air outside an elliptical skull, grey matter under it, white matter
    /// inside and two CSF-filled ventricles that drift with the slice. Stored values are 12-bit;
    /// for CT they map to Hounsfield units through the rescale intercept of -1024.
    /// </summary>
    private static byte[] HeadPhantom(int rows, int columns, bool isCt, int instanceNumber, bool bigEndian)
    {
        var levels = isCt
            ? new Levels(Air: 0, Bone: 2024, Grey: 1064, White: 1054, Csf: 1029)
            : new Levels(Air: 0, Bone: 80, Grey: 900, White: 700, Csf: 1800);
        var pixels = new byte[rows * columns * 2];
        var cx = (columns - 1) / 2.0;
        var cy = (rows - 1) / 2.0;
        var a = columns * 0.42;
        var b = rows * 0.48;
        var drift = (instanceNumber % 5) * 0.02;
        for (var y = 0; y < rows; y++)
        {
            for (var x = 0; x < columns; x++)
            {
                var dx = (x - cx) / a;
                var dy = (y - cy) / b;
                var r = Math.Sqrt((dx * dx) + (dy * dy));
                var ventricle = Math.Min(
                    Math.Sqrt(Math.Pow((dx + 0.18) / 0.12, 2) + Math.Pow((dy + drift) / 0.3, 2)),
                    Math.Sqrt(Math.Pow((dx - 0.18) / 0.12, 2) + Math.Pow((dy + drift) / 0.3, 2)));
                var value = r > 1.0 ? levels.Air
                    : r > 0.9 ? levels.Bone
                    : r > 0.75 ? levels.Grey
                    : ventricle <= 1.0 ? levels.Csf
                    : levels.White;
                var span = pixels.AsSpan(((y * columns) + x) * 2, 2);
                if (bigEndian)
                {
                    BinaryPrimitives.WriteUInt16BigEndian(span, value);
                }
                else
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(span, value);
                }
            }
        }

        return pixels;
    }

    private readonly record struct Levels(ushort Air, ushort Bone, ushort Grey, ushort White, ushort Csf);

    private static byte[] Concat(IEnumerable<byte[]> parts)
    {
        using var stream = new MemoryStream();
        foreach (var part in parts)
        {
            stream.Write(part);
        }

        return stream.ToArray();
    }

    /// <summary>Encodes single elements in one transfer syntax.</summary>
    private sealed class Encoder(bool explicitVr, bool bigEndian, Encoding textEncoding)
    {
        private const uint UndefinedLength = 0xFFFF_FFFF;

        public bool BigEndian => bigEndian;

        /// <summary>A string value, padded to even length: UIDs with NUL, everything else with a space.</summary>
        public byte[] Text(uint tag, string vr, string value)
        {
            var bytes = vr == "UI" ? Encoding.ASCII.GetBytes(value) : textEncoding.GetBytes(value);
            if (bytes.Length % 2 == 1)
            {
                bytes = [.. bytes, vr == "UI" ? (byte)0 : (byte)' '];
            }

            return Element(tag, vr, bytes);
        }

        public byte[] UInt16(uint tag, ushort value)
        {
            var bytes = new byte[2];
            if (bigEndian)
            {
                BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
            }
            else
            {
                BinaryPrimitives.WriteUInt16LittleEndian(bytes, value);
            }

            return Element(tag, "US", bytes);
        }

        /// <summary>A binary value already in this syntax's byte order.</summary>
        public byte[] Binary(uint tag, string vr, ReadOnlySpan<byte> value) => Element(tag, vr, value);

        /// <summary>A sequence of items, each a list of encoded elements in ascending tag order.</summary>
        public byte[] Sequence(uint tag, bool undefinedLength, IReadOnlyList<IReadOnlyList<byte[]>> items)
        {
            using var content = new MemoryStream();
            foreach (var item in items)
            {
                var body = Concat(item);
                content.Write(Header(0xFFFE_E000, undefinedLength ? UndefinedLength : (uint)body.Length));
                content.Write(body);
                if (undefinedLength)
                {
                    content.Write(Header(0xFFFE_E00D, 0));
                }
            }

            if (undefinedLength)
            {
                content.Write(Header(0xFFFE_E0DD, 0));
            }

            var contentBytes = content.ToArray();
            return [.. ElementHeader(tag, "SQ", undefinedLength ? UndefinedLength : (uint)contentBytes.Length), .. contentBytes];
        }

        private byte[] Element(uint tag, string vr, ReadOnlySpan<byte> value) =>
            [.. ElementHeader(tag, vr, (uint)value.Length), .. value];

        private byte[] ElementHeader(uint tag, string vr, uint length)
        {
            if (!explicitVr)
            {
                return Header(tag, length);
            }

            var fourByteLength = vr is "OB" or "OD" or "OF" or "OL" or "OV" or "OW" or "SQ" or "UC" or "UN" or "UR" or "UT" or "SV" or "UV";
            var header = new byte[fourByteLength ? 12 : 8];
            WriteTag(header, tag);
            header[4] = (byte)vr[0];
            header[5] = (byte)vr[1];
            if (fourByteLength)
            {
                WriteUInt32(header.AsSpan(8), length);
            }
            else
            {
                WriteUInt16(header.AsSpan(6), checked((ushort)length));
            }

            return header;
        }

        /// <summary>Tag plus 4-byte length: implicit VR elements, items and delimiters.</summary>
        private byte[] Header(uint tag, uint length)
        {
            var header = new byte[8];
            WriteTag(header, tag);
            WriteUInt32(header.AsSpan(4), length);
            return header;
        }

        private void WriteTag(Span<byte> target, uint tag)
        {
            WriteUInt16(target, (ushort)(tag >> 16));
            WriteUInt16(target[2..], (ushort)tag);
        }

        private void WriteUInt16(Span<byte> target, ushort value)
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

        private void WriteUInt32(Span<byte> target, uint value)
        {
            if (bigEndian)
            {
                BinaryPrimitives.WriteUInt32BigEndian(target, value);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(target, value);
            }
        }
    }
}
