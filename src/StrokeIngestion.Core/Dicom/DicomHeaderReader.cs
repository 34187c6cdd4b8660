using System.Buffers.Binary;
using System.IO.Compression;

namespace StrokeIngestion.Core.Dicom;

/// <summary>
/// Reads the identifying values of a DICOM Part 10 object from a prefix of its bytes, so a
/// caller can validate an upload with one or two ranged reads instead of fetching the object.
/// </summary>
/// <remarks>
/// Usage: read the first <see cref="InitialReadLength"/> bytes (or the whole object when it is
/// shorter) and call <see cref="Read"/>; on <see cref="DicomReadStatus.NeedMoreData"/> read the
/// first <c>min(BytesNeeded, object size)</c> bytes and call again, with
/// <c>isWholeObject</c> true when that is the whole object.
/// <para>
/// Supports the file meta information (explicit VR little endian, with or without its group
/// length), then the data set in implicit VR little endian, explicit VR little endian (and every
/// encapsulated syntax), explicit VR big endian and deflated explicit VR little endian.
/// Sequences of any nesting, defined or undefined length, are skipped; undefined-length UN
/// elements are read as implicit VR little endian sequences (CP-246). Reading stops after
/// (0020,000E) or at the first top-level tag past it, since data set tags ascend.
/// </para>
/// <para>
/// Never throws: every input, however damaged, ends in one of the four statuses. Odd value
/// lengths are accepted, as DCMTK and pydicom do: they are illegal but unambiguous.
/// </para>
/// </remarks>
public static class DicomHeaderReader
{
    /// <summary>Bytes a caller should fetch first: enough for the header of nearly every CT/MR image.</summary>
    public const int InitialReadLength = 16 * 1024;

    /// <summary>
    /// The longest prefix the reader ever asks for, and the most it inflates of a deflated data
    /// set. A header that needs more is reported as <see cref="DicomProblems.HeaderTooLarge"/>.
    /// </summary>
    public const int MaxHeaderLength = 64 * 1024 * 1024;

    private const int PreambleLength = 128;
    private const int MetaStart = PreambleLength + 4;
    private const int MaxDepth = 64;
    private const int FirstInflateLength = 64 * 1024;
    private const uint UndefinedLength = 0xFFFF_FFFF;

    private const uint FileMetaGroupLengthTag = 0x0002_0000;
    private const uint MediaStorageSopClassUidTag = 0x0002_0002;
    private const uint MediaStorageSopInstanceUidTag = 0x0002_0003;
    private const uint TransferSyntaxUidTag = 0x0002_0010;
    private const uint SpecificCharacterSetTag = 0x0008_0005;
    private const uint SopClassUidTag = 0x0008_0016;
    private const uint SopInstanceUidTag = 0x0008_0018;
    private const uint ModalityTag = 0x0008_0060;
    private const uint PatientNameTag = 0x0010_0010;
    private const uint PatientIdTag = 0x0010_0020;
    private const uint IssuerOfPatientIdTag = 0x0010_0021;
    private const uint PatientBirthDateTag = 0x0010_0030;
    private const uint PatientSexTag = 0x0010_0040;
    private const uint StudyInstanceUidTag = 0x0020_000D;
    private const uint SeriesInstanceUidTag = 0x0020_000E;
    private const uint ItemTag = 0xFFFE_E000;
    private const uint ItemDelimitationTag = 0xFFFE_E00D;
    private const uint SequenceDelimitationTag = 0xFFFE_E0DD;

    private const byte ItemFrame = 0x80;

    /// <summary>Reads the header from the first bytes of an object.</summary>
    /// <param name="data">The first N bytes of the object (N ≥ 0).</param>
    /// <param name="isWholeObject">True when <paramref name="data"/> is the entire object.</param>
    public static DicomReadResult Read(ReadOnlySpan<byte> data, bool isWholeObject)
    {
        if (data.Length < MetaStart)
        {
            return isWholeObject
                ? Failed(DicomReadStatus.NotDicom, DicomProblems.TooShort)
                : NeedMore(MetaStart, data.Length);
        }

        if (!data.Slice(PreambleLength, 4).SequenceEqual("DICM"u8))
        {
            return Failed(DicomReadStatus.NotDicom, DicomProblems.MissingDicmPrefix);
        }

        var meta = default(MetaValues);
        var metaOutcome = ReadMeta(data, isWholeObject, ref meta);
        if (metaOutcome.Step != Step.Done)
        {
            return ToResult(metaOutcome, data.Length);
        }

        if (meta.TransferSyntaxUid is null)
        {
            return Failed(DicomReadStatus.Malformed, DicomProblems.MissingTransferSyntax);
        }

        if (meta.TransferSyntaxUid == TransferSyntaxes.DeflatedExplicitVrLittleEndian)
        {
            return ReadDeflated(data, meta, isWholeObject);
        }

        var encoding = meta.TransferSyntaxUid switch
        {
            TransferSyntaxes.ImplicitVrLittleEndian => DatasetEncoding.ImplicitLittle,
            TransferSyntaxes.ExplicitVrBigEndian => DatasetEncoding.ExplicitBig,
            _ => DatasetEncoding.ExplicitLittle,
        };

        var values = default(DatasetValues);
        var outcome = Walk(data, meta.DatasetStart, encoding, isWholeObject, ref values);
        return outcome.Step == Step.Done ? Ok(meta, values) : ToResult(outcome, data.Length);
    }

    /// <summary>The file meta information group: always explicit VR little endian.</summary>
    private static Outcome ReadMeta(ReadOnlySpan<byte> data, bool isWhole, ref MetaValues meta)
    {
        long pos = MetaStart;
        long groupEnd = -1;
        while (true)
        {
            // The group length, when present, ends the group. When it is absent or wrong the
            // group ends where group 0002 tags do: they cannot start a data set in any syntax.
            if (pos == groupEnd)
            {
                if (pos > data.Length)
                {
                    // The last meta element (one not read) runs past the data.
                    return EndOfData(pos + 8, isWhole, DicomProblems.Truncated);
                }

                // A prefix that ends here cannot tell yet: the next tag may still be group 0002.
                if (pos + 4 > data.Length ? isWhole : BinaryPrimitives.ReadUInt16LittleEndian(data[(int)pos..]) != 0x0002)
                {
                    break;
                }
            }

            if (pos + 4 > data.Length)
            {
                if (isWhole && pos == data.Length)
                {
                    break;
                }

                return EndOfData(pos + 8, isWhole, DicomProblems.Truncated);
            }

            var p = (int)pos;
            if (BinaryPrimitives.ReadUInt16LittleEndian(data[p..]) != 0x0002)
            {
                break;
            }

            if (pos + 8 > data.Length)
            {
                return EndOfData(pos + 8, isWhole, DicomProblems.Truncated);
            }

            var tag = ((uint)0x0002 << 16) | BinaryPrimitives.ReadUInt16LittleEndian(data[(p + 2)..]);
            var vr0 = data[p + 4];
            var vr1 = data[p + 5];
            if (!IsVrLetter(vr0) || !IsVrLetter(vr1))
            {
                return Outcome.Malformed(DicomProblems.InvalidVr);
            }

            long length;
            int headerLength;
            if (HasFourByteLength(vr0, vr1))
            {
                if (pos + 12 > data.Length)
                {
                    return EndOfData(pos + 12, isWhole, DicomProblems.Truncated);
                }

                length = BinaryPrimitives.ReadUInt32LittleEndian(data[(p + 8)..]);
                headerLength = 12;
            }
            else
            {
                length = BinaryPrimitives.ReadUInt16LittleEndian(data[(p + 6)..]);
                headerLength = 8;
            }

            if (length == UndefinedLength)
            {
                return Outcome.Malformed(DicomProblems.BadLength);
            }

            var valueStart = pos + headerLength;
            var valueEnd = valueStart + length;
            var wanted = tag is FileMetaGroupLengthTag or MediaStorageSopClassUidTag or MediaStorageSopInstanceUidTag or TransferSyntaxUidTag;
            if (wanted)
            {
                if (valueEnd > data.Length)
                {
                    return EndOfData(valueEnd + 8, isWhole, DicomProblems.Truncated);
                }

                var value = data.Slice((int)valueStart, (int)length);
                switch (tag)
                {
                    case FileMetaGroupLengthTag when length == 4:
                        groupEnd = valueEnd + BinaryPrimitives.ReadUInt32LittleEndian(value);
                        break;
                    case MediaStorageSopClassUidTag:
                        meta.SopClassUid = DecodeText(value, trimLeading: false, utf8: false);
                        break;
                    case MediaStorageSopInstanceUidTag:
                        meta.SopInstanceUid = DecodeText(value, trimLeading: false, utf8: false);
                        break;
                    case TransferSyntaxUidTag:
                        meta.TransferSyntaxUid = DecodeText(value, trimLeading: false, utf8: false);
                        break;
                }
            }

            pos = valueEnd;
        }

        meta.DatasetStart = pos;
        return Outcome.Done;
    }

    /// <summary>
    /// Walks the data set from <paramref name="start"/>, capturing the wanted top-level values.
    /// Defined-length sequences and items are skipped by their length; only undefined-length
    /// ones are entered, so the frame stack holds nothing but those.
    /// </summary>
    private static Outcome Walk(ReadOnlySpan<byte> buffer, long start, DatasetEncoding baseEncoding, bool isWhole, ref DatasetValues values)
    {
        // Each frame: the encoding of its content, plus ItemFrame for an item (else a sequence).
        Span<byte> frames = stackalloc byte[MaxDepth];
        var depth = 0;
        var pos = start;
        long end = buffer.Length;
        while (true)
        {
            var frame = depth == 0 ? (byte)baseEncoding : frames[depth - 1];
            var encoding = (DatasetEncoding)(frame & ~ItemFrame);
            var big = encoding == DatasetEncoding.ExplicitBig;

            // Every element, item and delimiter header is at least 8 bytes.
            if (pos + 8 > end)
            {
                if (isWhole && depth == 0 && pos == end)
                {
                    return Outcome.Done;
                }

                return EndOfData(pos + 8, isWhole, depth > 0 && pos == end ? DicomProblems.UnterminatedSequence : DicomProblems.Truncated);
            }

            var p = (int)pos;
            var tag = ReadTag(buffer, p, big);
            if (depth > 0 && (frame & ItemFrame) == 0)
            {
                var itemLength = ReadUInt32(buffer, p + 4, big);
                pos += 8;
                if (tag == ItemTag)
                {
                    if (itemLength != UndefinedLength)
                    {
                        pos += itemLength;
                    }
                    else if (depth == MaxDepth)
                    {
                        return Outcome.Malformed(DicomProblems.TooDeeplyNested);
                    }
                    else
                    {
                        frames[depth++] = (byte)((byte)encoding | ItemFrame);
                    }
                }
                else if (tag == SequenceDelimitationTag)
                {
                    depth--;
                }
                else
                {
                    return Outcome.Malformed(DicomProblems.InvalidItem);
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
                return Outcome.Malformed(DicomProblems.UnexpectedDelimiter);
            }

            if (depth == 0 && tag > SeriesInstanceUidTag)
            {
                return Outcome.Done;
            }

            long length;
            int headerLength;
            var contentEncoding = encoding;
            var mayBeUndefined = true;
            if (encoding == DatasetEncoding.ImplicitLittle)
            {
                length = BinaryPrimitives.ReadUInt32LittleEndian(buffer[(p + 4)..]);
                headerLength = 8;
            }
            else
            {
                var vr0 = buffer[p + 4];
                var vr1 = buffer[p + 5];
                if (!IsVrLetter(vr0) || !IsVrLetter(vr1))
                {
                    return Outcome.Malformed(DicomProblems.InvalidVr);
                }

                if (HasFourByteLength(vr0, vr1))
                {
                    if (pos + 12 > end)
                    {
                        return EndOfData(pos + 12, isWhole, DicomProblems.Truncated);
                    }

                    length = ReadUInt32(buffer, p + 8, big);
                    headerLength = 12;
                    mayBeUndefined = MayHaveUndefinedLength(vr0, vr1);
                    if (vr0 == (byte)'U' && vr1 == (byte)'N')
                    {
                        // CP-246: an undefined-length UN is a sequence encoded implicit VR little endian.
                        contentEncoding = DatasetEncoding.ImplicitLittle;
                    }
                }
                else
                {
                    length = ReadUInt16(buffer, p + 6, big);
                    headerLength = 8;
                }
            }

            pos += headerLength;
            if (length == UndefinedLength)
            {
                if (!mayBeUndefined || (depth == 0 && IsCaptured(tag)))
                {
                    return Outcome.Malformed(DicomProblems.BadLength);
                }

                if (depth == MaxDepth)
                {
                    return Outcome.Malformed(DicomProblems.TooDeeplyNested);
                }

                frames[depth++] = (byte)contentEncoding;
                continue;
            }

            if (depth == 0 && IsCaptured(tag))
            {
                if (pos + length > end)
                {
                    return EndOfData(pos + length, isWhole, DicomProblems.Truncated);
                }

                values.Capture(tag, buffer.Slice((int)pos, (int)length));
            }

            pos += length;
            if (depth == 0 && tag == SeriesInstanceUidTag)
            {
                return Outcome.Done;
            }
        }
    }

    /// <summary>
    /// Deflated explicit VR little endian: everything after the meta group is one raw deflate
    /// stream. Inflates only as much as the walk needs (bounded by <see cref="MaxHeaderLength"/>);
    /// a truncated stream simply yields less, so a partial prefix asks for more.
    /// </summary>
    private static DicomReadResult ReadDeflated(ReadOnlySpan<byte> data, MetaValues meta, bool isWhole)
    {
        var compressed = data[(int)meta.DatasetStart..].ToArray();
        var source = new CompressedSource(compressed, feedBytewiseFrom: int.MaxValue);
        using var inflater = new DeflateStream(source, CompressionMode.Decompress);
        var inflated = new byte[FirstInflateLength];
        var filled = 0;
        var ended = false;
        while (true)
        {
            if (!TryInflate(inflater, inflated, ref filled, ref ended))
            {
                return ReadBeforeDeflateError(meta, compressed, source.LastReadStart, inflated.Length);
            }

            var values = default(DatasetValues);
            var outcome = Walk(inflated.AsSpan(0, filled), 0, DatasetEncoding.ExplicitLittle, ended && isWhole, ref values);
            switch (outcome.Step)
            {
                case Step.Done:
                    return Ok(meta, values);
                case Step.Malformed:
                    return Failed(DicomReadStatus.Malformed, outcome.Problem);
                case Step.NeedMore when !ended:
                    if (inflated.Length >= MaxHeaderLength)
                    {
                        return Failed(DicomReadStatus.Malformed, DicomProblems.HeaderTooLarge);
                    }

                    Array.Resize(ref inflated, (int)Math.Min((long)inflated.Length * 2, MaxHeaderLength));
                    break;
                default:
                    // The compressed bytes ran out: offsets in the inflated data say nothing
                    // about how many more compressed bytes are needed, so grow geometrically.
                    return NeedMore((long)data.Length + 1, data.Length);
            }
        }
    }

    /// <summary>
    /// A deflate stream damaged somewhere: the verdict rests on what inflates before the damage,
    /// which is exactly what a prefix ending there yields, so the answer does not depend on how
    /// much of the object the caller fetched (a header intact before damaged pixel data reads
    /// Ok, as it does in every other syntax). DeflateStream drops the output of the read that
    /// fails, so the stretch of input that failed is inflated again one compressed byte per read:
    /// then only the output of the damaged byte itself is lost, which no prefix has either.
    /// </summary>
    private static DicomReadResult ReadBeforeDeflateError(MetaValues meta, byte[] compressed, int failedReadStart, int capacity)
    {
        var inflated = new byte[capacity];
        var filled = 0;
        var ended = false;
        using (var inflater = new DeflateStream(new CompressedSource(compressed, failedReadStart), CompressionMode.Decompress))
        {
            TryInflate(inflater, inflated, ref filled, ref ended);
        }

        var values = default(DatasetValues);
        var outcome = Walk(inflated.AsSpan(0, filled), 0, DatasetEncoding.ExplicitLittle, isWhole: false, ref values);
        return outcome.Step switch
        {
            Step.Done => Ok(meta, values),
            Step.Malformed => Failed(DicomReadStatus.Malformed, outcome.Problem),
            _ => Failed(DicomReadStatus.Malformed, DicomProblems.DeflateError),
        };
    }

    private static bool TryInflate(DeflateStream inflater, byte[] buffer, ref int filled, ref bool ended)
    {
        try
        {
            while (!ended && filled < buffer.Length)
            {
                var read = inflater.Read(buffer, filled, buffer.Length - filled);
                if (read == 0)
                {
                    ended = true;
                }

                filled += read;
            }

            return true;
        }
        catch (InvalidDataException)
        {
            // Corrupt deflate data is the one failure the framework reports by exception.
            return false;
        }
    }

    private static DicomReadResult Ok(MetaValues meta, DatasetValues values) =>
        new(
            DicomReadStatus.Ok,
            new DicomHeader(
                meta.TransferSyntaxUid ?? string.Empty,
                values.SopClassUid ?? meta.SopClassUid,
                values.SopInstanceUid ?? meta.SopInstanceUid,
                values.Modality,
                values.PatientId,
                values.StudyInstanceUid,
                values.SeriesInstanceUid,
                values.PatientName,
                values.IssuerOfPatientId,
                values.PatientBirthDate,
                values.PatientSex),
            0,
            null);

    private static DicomReadResult Failed(DicomReadStatus status, string? problem) => new(status, null, 0, problem);

    private static DicomReadResult ToResult(Outcome outcome, int have) =>
        outcome.Step == Step.NeedMore
            ? NeedMore(outcome.Required, have)
            : Failed(DicomReadStatus.Malformed, outcome.Problem);

    /// <summary>
    /// Asks for the <paramref name="required"/> bytes plus a first read's worth for what follows
    /// (after a long element skipped, the rest of a header is short), and at least twice what the
    /// caller has, so a header made of many small pieces costs a logarithmic number of reads.
    /// </summary>
    private static DicomReadResult NeedMore(long required, int have)
    {
        if (required > MaxHeaderLength || have >= MaxHeaderLength)
        {
            return Failed(DicomReadStatus.Malformed, DicomProblems.HeaderTooLarge);
        }

        var next = Math.Max(required + InitialReadLength, Math.Max(2L * have, InitialReadLength));
        next = Math.Max(Math.Min(next, MaxHeaderLength), have + 1L);
        return new DicomReadResult(DicomReadStatus.NeedMoreData, null, (int)next, null);
    }

    private static Outcome EndOfData(long required, bool isWhole, string problemWhenWhole) =>
        isWhole ? Outcome.Malformed(problemWhenWhole) : Outcome.NeedMore(required);

    private static bool IsCaptured(uint tag) => tag is SpecificCharacterSetTag or SopClassUidTag or SopInstanceUidTag
        or ModalityTag or PatientNameTag or PatientIdTag or IssuerOfPatientIdTag or PatientBirthDateTag or PatientSexTag
        or StudyInstanceUidTag or SeriesInstanceUidTag;

    private static bool IsVrLetter(byte b) => b is >= (byte)'A' and <= (byte)'Z';

    /// <summary>
    /// VRs with a reserved field and a 4-byte length. Unknown VRs count too: PS3.5 §6.2 has
    /// future VRs use this form, and DCMTK reads them so.
    /// </summary>
    private static bool HasFourByteLength(byte vr0, byte vr1) => (vr0, vr1) switch
    {
        ((byte)'A', (byte)'E' or (byte)'S' or (byte)'T') => false,
        ((byte)'C', (byte)'S') => false,
        ((byte)'D', (byte)'A' or (byte)'S' or (byte)'T') => false,
        ((byte)'F', (byte)'L' or (byte)'D') => false,
        ((byte)'I', (byte)'S') => false,
        ((byte)'L', (byte)'O' or (byte)'T') => false,
        ((byte)'P', (byte)'N') => false,
        ((byte)'S', (byte)'H' or (byte)'L' or (byte)'S' or (byte)'T') => false,
        ((byte)'T', (byte)'M') => false,
        ((byte)'U', (byte)'I' or (byte)'L' or (byte)'S') => false,
        _ => true,
    };

    /// <summary>
    /// Explicit VRs that may carry an undefined length: SQ, UN (CP-246), OB/OW (encapsulated
    /// data) and unknown VRs. Text and numeric VRs cannot.
    /// </summary>
    private static bool MayHaveUndefinedLength(byte vr0, byte vr1) => (vr0, vr1) switch
    {
        ((byte)'O', (byte)'D' or (byte)'F' or (byte)'L' or (byte)'V') => false,
        ((byte)'S', (byte)'V') => false,
        ((byte)'U', (byte)'C' or (byte)'R' or (byte)'T' or (byte)'V') => false,
        _ => true,
    };

    private static uint ReadTag(ReadOnlySpan<byte> buffer, int pos, bool big) =>
        ((uint)ReadUInt16(buffer, pos, big) << 16) | ReadUInt16(buffer, pos + 2, big);

    private static ushort ReadUInt16(ReadOnlySpan<byte> buffer, int pos, bool big) =>
        big ? BinaryPrimitives.ReadUInt16BigEndian(buffer[pos..]) : BinaryPrimitives.ReadUInt16LittleEndian(buffer[pos..]);

    private static uint ReadUInt32(ReadOnlySpan<byte> buffer, int pos, bool big) =>
        big ? BinaryPrimitives.ReadUInt32BigEndian(buffer[pos..]) : BinaryPrimitives.ReadUInt32LittleEndian(buffer[pos..]);

    /// <summary>
    /// Trailing spaces and NULs are padding in every string VR; leading spaces too in CS, LO
    /// and DA (PS3.5 §6.2). Empty after trimming means "no value" (null). Bytes that are not
    /// valid UTF-8 fall back to ISO 8859-1, which is lossless: U+FFFD replacement would make
    /// two different damaged identifiers compare equal.
    /// </summary>
    private static string? DecodeText(ReadOnlySpan<byte> value, bool trimLeading, bool utf8)
    {
        value = value.TrimEnd("\0 "u8);
        if (trimLeading)
        {
            value = value.TrimStart((byte)' ');
        }

        if (value.IsEmpty)
        {
            return null;
        }

        return utf8 && System.Text.Unicode.Utf8.IsValid(value)
            ? System.Text.Encoding.UTF8.GetString(value)
            : System.Text.Encoding.Latin1.GetString(value);
    }

    /// <summary>
    /// The compressed bytes as a read-only stream that hands out one byte per read from
    /// <c>feedBytewiseFrom</c> on, and remembers where its latest read began.
    /// </summary>
    private sealed class CompressedSource(byte[] bytes, int feedBytewiseFrom) : Stream
    {
        private int _position;

        public int LastReadStart { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => _position;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            LastReadStart = _position;
            var count = Math.Min(buffer.Length, bytes.Length - _position);
            count = _position >= feedBytewiseFrom ? Math.Min(count, 1) : Math.Min(count, feedBytewiseFrom - _position);
            bytes.AsSpan(_position, count).CopyTo(buffer);
            _position += count;
            return count;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private enum DatasetEncoding : byte
    {
        ExplicitLittle,
        ImplicitLittle,
        ExplicitBig,
    }

    private enum Step
    {
        Done,
        NeedMore,
        Malformed,
    }

    private readonly record struct Outcome(Step Step, long Required, string? Problem)
    {
        public static Outcome Done => new(Step.Done, 0, null);

        public static Outcome NeedMore(long required) => new(Step.NeedMore, required, null);

        public static Outcome Malformed(string problem) => new(Step.Malformed, 0, problem);
    }

    private struct MetaValues
    {
        public string? TransferSyntaxUid;
        public string? SopClassUid;
        public string? SopInstanceUid;
        public long DatasetStart;
    }

    private struct DatasetValues
    {
        public bool Utf8;
        public string? SopClassUid;
        public string? SopInstanceUid;
        public string? Modality;
        public string? PatientName;
        public string? PatientId;
        public string? IssuerOfPatientId;
        public string? PatientBirthDate;
        public string? PatientSex;
        public string? StudyInstanceUid;
        public string? SeriesInstanceUid;

        public void Capture(uint tag, ReadOnlySpan<byte> value)
        {
            switch (tag)
            {
                case SpecificCharacterSetTag:
                    // Only UTF-8 changes how the few values read here decode; every other
                    // single-byte set agrees with ISO 8859-1 on what a patient id holds in practice.
                    Utf8 = value.IndexOf("ISO_IR 192"u8) >= 0;
                    break;
                case SopClassUidTag:
                    SopClassUid = DecodeText(value, trimLeading: false, utf8: false);
                    break;
                case SopInstanceUidTag:
                    SopInstanceUid = DecodeText(value, trimLeading: false, utf8: false);
                    break;
                case ModalityTag:
                    Modality = DecodeText(value, trimLeading: true, utf8: false);
                    break;
                case PatientNameTag:
                    PatientName = DecodeText(value, trimLeading: false, utf8: Utf8);
                    break;
                case PatientIdTag:
                    PatientId = DecodeText(value, trimLeading: true, utf8: Utf8);
                    break;
                case IssuerOfPatientIdTag:
                    IssuerOfPatientId = DecodeText(value, trimLeading: true, utf8: Utf8);
                    break;
                case PatientBirthDateTag:
                    PatientBirthDate = DecodeText(value, trimLeading: true, utf8: false);
                    break;
                case PatientSexTag:
                    PatientSex = DecodeText(value, trimLeading: true, utf8: false);
                    break;
                case StudyInstanceUidTag:
                    StudyInstanceUid = DecodeText(value, trimLeading: false, utf8: false);
                    break;
                case SeriesInstanceUidTag:
                    SeriesInstanceUid = DecodeText(value, trimLeading: false, utf8: false);
                    break;
            }
        }
    }
}
