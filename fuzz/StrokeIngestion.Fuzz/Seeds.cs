using System.Buffers.Binary;
using System.Text;
using StrokeIngestion.Sandbox.Dicom;

namespace StrokeIngestion.Fuzz;

/// <summary>
/// The starting corpus: small valid files in every encoding the reader walks (AFL++ mutates
/// small inputs best, so images are 2×2), plus hand-built files for paths valid writers rarely
/// take. Deterministic UIDs, so two runs start from the same bytes.
/// </summary>
internal static class Seeds
{
    private const uint UndefinedLength = 0xFFFF_FFFF;

    public static int Write(string directory)
    {
        Directory.CreateDirectory(directory);
        var seeds = Synthetic().Concat(Crafted()).ToList();
        foreach (var (name, bytes) in seeds)
        {
            File.WriteAllBytes(Path.Combine(directory, name), bytes);
        }

        return seeds.Count;
    }

    private static IEnumerable<(string Name, byte[] Bytes)> Synthetic()
    {
        foreach (var syntax in Enum.GetValues<SyntheticTransferSyntax>())
        {
            foreach (var decoy in Enum.GetValues<DecoySequence>())
            {
                yield return ($"synthetic-{syntax}-{decoy}.dcm", SyntheticDicom.Create(Small(syntax) with { Decoy = decoy }));
            }
        }

        yield return ("synthetic-mr-utf8.dcm", SyntheticDicom.Create(Small(SyntheticTransferSyntax.ExplicitLittle) with
        {
            Modality = "MR",
            SpecificCharacterSet = "ISO_IR 192",
            PatientId = "SEED-ÄÖ",
        }));
        yield return ("synthetic-private-blob.dcm", SyntheticDicom.Create(Small(SyntheticTransferSyntax.ImplicitLittle) with { PrivateBlobLength = 96 }));
        yield return ("synthetic-jpeg2000-declared.dcm", SyntheticDicom.Create(Small(SyntheticTransferSyntax.ExplicitLittle) with
        {
            TransferSyntaxUidOverride = "1.2.840.10008.1.2.4.90",
        }));
    }

    private static SyntheticDicomParameters Small(SyntheticTransferSyntax syntax) => new()
    {
        PatientId = "SEED-0001",
        StudyInstanceUid = "2.25.11",
        SeriesInstanceUid = "2.25.12",
        SopInstanceUid = "2.25.13",
        TransferSyntax = syntax,
        Rows = 2,
        Columns = 2,
    };

    private static IEnumerable<(string Name, byte[] Bytes)> Crafted()
    {
        yield return ("crafted-un-undefined-length.dcm", UnknownVrSequence());
        yield return ("crafted-deep-nesting.dcm", DeepNesting(70));
        yield return ("crafted-meta-without-group-length.dcm", MetaWithoutGroupLength());
    }

    /// <summary>
    /// CP-246: a private element of VR UN with undefined length inside an explicit VR data set,
    /// whose items are implicit VR, holding a decoy patient id and a nested undefined-length sequence.
    /// </summary>
    private static byte[] UnknownVrSequence()
    {
        var file = new Writer();
        file.Preamble("1.2.840.10008.1.2.1", withGroupLength: true);
        file.Explicit(0x0008_0060, "CS", "CT");
        file.Explicit(0x0009_0010, "LO", "SEED CREATOR");
        file.ExplicitHeader(0x0009_1010, "UN", UndefinedLength);
        file.Header(0xFFFE_E000, UndefinedLength);
        file.Implicit(0x0010_0020, "DECOY-IN-UN");
        file.Header(0x0008_1199, UndefinedLength);
        file.Header(0xFFFE_E000, 12);
        file.Implicit(0x0008_1150, "1.2");
        file.Header(0xFFFE_E0DD, 0);
        file.Header(0xFFFE_E00D, 0);
        file.Header(0xFFFE_E0DD, 0);
        file.Explicit(0x0010_0020, "LO", "SEED-CP246");
        file.Explicit(0x0020_000D, "UI", "2.25.21");
        file.Explicit(0x0020_000E, "UI", "2.25.22");
        return file.ToArray();
    }

    /// <summary>Undefined-length sequences nested past the reader's depth limit (64).</summary>
    private static byte[] DeepNesting(int depth)
    {
        var file = new Writer();
        file.Preamble("1.2.840.10008.1.2.1", withGroupLength: true);
        for (var i = 0; i < depth; i++)
        {
            file.ExplicitHeader(0x0008_1115, "SQ", UndefinedLength);
            file.Header(0xFFFE_E000, UndefinedLength);
        }

        for (var i = 0; i < depth; i++)
        {
            file.Header(0xFFFE_E00D, 0);
            file.Header(0xFFFE_E0DD, 0);
        }

        file.Explicit(0x0020_000E, "UI", "2.25.31");
        return file.ToArray();
    }

    /// <summary>Big endian data set after a meta group with no (0002,0000): the group ends where group 0002 does.</summary>
    private static byte[] MetaWithoutGroupLength()
    {
        var file = new Writer();
        file.Preamble("1.2.840.10008.1.2.2", withGroupLength: false);
        file.BigEndianExplicit(0x0008_0060, "CS", "MR");
        file.BigEndianExplicit(0x0010_0020, "LO", "SEED-BIG");
        file.BigEndianExplicit(0x0020_000D, "UI", "2.25.41");
        file.BigEndianExplicit(0x0020_000E, "UI", "2.25.42");
        return file.ToArray();
    }

    /// <summary>Just enough of an encoder for the crafted seeds; values are padded to even length.</summary>
    private sealed class Writer
    {
        private readonly List<byte> _bytes = [];

        public void Preamble(string transferSyntaxUid, bool withGroupLength)
        {
            _bytes.AddRange(new byte[128]);
            _bytes.AddRange("DICM"u8);
            var meta = new Writer();
            meta.Explicit(0x0002_0002, "UI", "1.2.840.10008.5.1.4.1.1.2");
            meta.Explicit(0x0002_0003, "UI", "2.25.1");
            meta.Explicit(0x0002_0010, "UI", transferSyntaxUid);
            var body = meta.ToArray();
            if (withGroupLength)
            {
                var length = new byte[4];
                BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)body.Length);
                ExplicitBytes(0x0002_0000, "UL", length);
            }

            _bytes.AddRange(body);
        }

        public void Explicit(uint tag, string vr, string value) => ExplicitBytes(tag, vr, Padded(value));

        public void ExplicitHeader(uint tag, string vr, uint length)
        {
            Tag(tag, bigEndian: false);
            _bytes.AddRange(Encoding.ASCII.GetBytes(vr));
            _bytes.AddRange(new byte[2]);
            UInt32(length);
        }

        public void BigEndianExplicit(uint tag, string vr, string value)
        {
            var bytes = Padded(value);
            Tag(tag, bigEndian: true);
            _bytes.AddRange(Encoding.ASCII.GetBytes(vr));
            var length = new byte[2];
            BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)bytes.Length);
            _bytes.AddRange(length);
            _bytes.AddRange(bytes);
        }

        public void Implicit(uint tag, string value)
        {
            var bytes = Padded(value);
            Header(tag, (uint)bytes.Length);
            _bytes.AddRange(bytes);
        }

        /// <summary>Tag and 4-byte length, little endian: implicit VR elements, items, delimiters.</summary>
        public void Header(uint tag, uint length)
        {
            Tag(tag, bigEndian: false);
            UInt32(length);
        }

        public byte[] ToArray() => _bytes.ToArray();

        private void ExplicitBytes(uint tag, string vr, byte[] value)
        {
            Tag(tag, bigEndian: false);
            _bytes.AddRange(Encoding.ASCII.GetBytes(vr));
            var length = new byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(length, (ushort)value.Length);
            _bytes.AddRange(length);
            _bytes.AddRange(value);
        }

        private void Tag(uint tag, bool bigEndian)
        {
            var bytes = new byte[4];
            if (bigEndian)
            {
                BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)(tag >> 16));
                BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)tag);
            }
            else
            {
                BinaryPrimitives.WriteUInt16LittleEndian(bytes, (ushort)(tag >> 16));
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2), (ushort)tag);
            }

            _bytes.AddRange(bytes);
        }

        private void UInt32(uint value)
        {
            var bytes = new byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
            _bytes.AddRange(bytes);
        }

        private static byte[] Padded(string value)
        {
            var bytes = Encoding.ASCII.GetBytes(value);
            return bytes.Length % 2 == 0 ? bytes : [.. bytes, 0];
        }
    }
}
