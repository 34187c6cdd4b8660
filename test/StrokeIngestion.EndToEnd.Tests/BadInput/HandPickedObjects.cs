using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using StrokeIngestion.Core.Upload;
using StrokeIngestion.Sandbox.Dicom;
using static StrokeIngestion.EndToEnd.Tests.BadInput.JsonBody;

namespace StrokeIngestion.EndToEnd.Tests.BadInput;

/// <summary>
/// The hand-picked nasties in the bucket: absent and empty objects, bytes that are not DICOM,
/// DICOM cut short at many offsets or damaged in its header, and valid DICOM that breaks an
/// upload rule (transfer syntax, identifiers, modality, patient, one study per request).
/// Each request is otherwise valid.
/// </summary>
internal sealed class HandPickedObjects
{
    private const string FileKeyField = "file_key";
    private const string PatientIdField = "patient_id";

    private readonly CorpusContext _context;
    private readonly Random _random;
    private readonly List<string> _tolerated = [];

    public HandPickedObjects(CorpusContext context)
    {
        _context = context;
        _random = new Random(unchecked((int)context.Seed));
    }

    /// <summary>Damage the reader tolerates by design (it reads a valid header), so left out of the corpus.</summary>
    public IReadOnlyList<string> Tolerated => _tolerated;

    public IEnumerable<BadInputCase> Build() =>
        AbsentAndEmpty()
            .Concat(NotDicom())
            .Concat(Truncated())
            .Concat(Damaged())
            .Concat(RuleBreakers())
            .ToList();

    private IEnumerable<BadInputCase> AbsentAndEmpty()
    {
        BadInputCase Absent(string name, string key) => new()
        {
            Name = "objects/" + name,
            Category = "objects",
            Body = CorpusContext.Body(key),
            ExpectedCode = "object_not_found",
            ExpectedField = FileKeyField,
        };

        var baseKey = CorpusContext.BaseKey;
        yield return Absent("absent-file", "uploads/corpus/absent/" + CorpusDicom.FileName);
        yield return Absent("absent-folder", "uploads/corpus/absent-folder/");
        yield return Absent("prefix-of-existing-key", baseKey[..^4]);
        yield return Absent("folder-without-slash", "uploads/corpus/base");
        yield return Absent("other-case", baseKey.ToUpperInvariant().Replace("UPLOADS/", "uploads/", StringComparison.Ordinal));
        yield return Absent("file-as-folder", baseKey + "/");
        yield return Absent("percent-encoded-dots", "uploads/%2e%2e/imports/x");
        yield return Absent("percent-encoded-nul", "uploads/a%00.dcm");
        yield return Absent("unicode-name", "uploads/corpus/absent/ünïcödé name.dcm");
        yield return Absent("plus-and-space", "uploads/corpus/absent/a+b c.dcm");
        yield return Absent("ellipsis-segment", "uploads/…/x.dcm");

        var markerOnly = _context.NewFolder();
        yield return Absent("folder-with-only-a-marker", markerOnly) with { Objects = [new CorpusObject(markerOnly, [])] };
        var nestedMarker = _context.NewFolder();
        yield return Absent("folder-with-only-nested-marker", nestedMarker) with { Objects = [new CorpusObject(nestedMarker + "sub/", [])] };

        // One object more than HealthImaging imports in one job (empty: the count is checked first).
        var crowded = _context.NewFolder();
        yield return Object(
            "objects/too-many-files",
            "objects",
            crowded,
            [.. Enumerable.Range(1, UploadService.MaxFilesPerStudy + 1).Select(i => new CorpusObject(string.Create(CultureInfo.InvariantCulture, $"{crowded}{i:D5}_{CorpusDicom.FileName}"), []))],
            "too_many_files",
            FileKeyField);

        var empty = _context.NewFolder() + CorpusDicom.FileName;
        yield return Object("objects/zero-byte-file", "objects", empty, [new CorpusObject(empty, [])], "empty_object", FileKeyField);
        var emptyInFolder = _context.NewFolder();
        yield return Object(
            "objects/zero-byte-file-in-folder",
            "objects",
            emptyInFolder,
            [new CorpusObject(emptyInFolder + "a_" + CorpusDicom.FileName, _context.Dicom()), new CorpusObject(emptyInFolder + "b_" + CorpusDicom.FileName, [])],
            "empty_object",
            FileKeyField);
    }

    private IEnumerable<BadInputCase> NotDicom()
    {
        var valid = _context.Dicom();
        var gzip = new MemoryStream();
        using (var compressor = new GZipStream(gzip, CompressionLevel.Fastest, leaveOpen: true))
        {
            compressor.Write(valid);
        }

        byte[][] contents =
        [
            RandomBytes(4096),
            RandomBytes(131),
            [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A, .. RandomBytes(2048)],
            Encoding.UTF8.GetBytes("hello, this is not an image\n"),
            Encoding.UTF8.GetBytes("{\"patient_id\":\"PHI-CORPUS-0001\",\"note\":\"not dicom\"}"),
            [.. "%PDF-1.7\n"u8, .. RandomBytes(1024)],
            new byte[100],
            new byte[132],
            new byte[4096],
            gzip.ToArray(),
            valid[128..],
            valid[1..],
            "DICM"u8.ToArray(),
            [.. Enumerable.Repeat((byte)0xFF, 128), .. "DICN"u8, .. valid[132..]],
            [(byte)'P', (byte)'K', 3, 4, .. RandomBytes(512)],
            [.. new byte[128], .. "dicm"u8, .. valid[132..]],
        ];
        for (var i = 0; i < contents.Length; i++)
        {
            yield return Single($"not-dicom/{i:D2}", "not-dicom", contents[i], "not_dicom");
        }
    }

    private IEnumerable<BadInputCase> Truncated()
    {
        var bases = new (string Name, SyntheticDicomParameters Parameters, int Offsets)[]
        {
            ("explicit-le", _context.Parameters(), 32),
            ("implicit-le", _context.Parameters("MR", SyntheticTransferSyntax.ImplicitLittle), 16),
            ("explicit-be", _context.Parameters("CT", SyntheticTransferSyntax.ExplicitBig), 16),
        };
        foreach (var (name, parameters, offsets) in bases)
        {
            var file = CorpusDicom.Create(parameters);
            var headerEnd = CorpusDicom.HeaderEnd(file, parameters.SeriesInstanceUid);
            var cuts = new SortedSet<int>();
            if (name == "explicit-le")
            {
                cuts.UnionWith([1, 2, 64, 127, 128, 131, 132, 133, 136, 139, 140, 143, 144]);
                var metaEnd = CorpusDicom.MetaEnd(file);
                cuts.UnionWith([metaEnd - 1, metaEnd, metaEnd + 1, metaEnd + 8, headerEnd - 1]);
            }

            for (var i = 0; i < offsets; i++)
            {
                cuts.Add(CorpusDicom.PreambleAndMagic + (int)((long)(headerEnd - CorpusDicom.PreambleAndMagic) * i / offsets));
            }

            foreach (var cut in cuts)
            {
                yield return TruncatedCase($"truncated/{name}/{cut}", CorpusDicom.Cut(file, cut));
            }
        }

        // A header longer than the first 16 KiB read: the cut is found on the second read.
        var longHeader = _context.Parameters() with { PrivateBlobLength = 40 * 1024 };
        var longFile = CorpusDicom.Create(longHeader);
        var longEnd = CorpusDicom.HeaderEnd(longFile, longHeader.SeriesInstanceUid);
        foreach (var cut in new[] { 16 * 1024 - 1, 16 * 1024, 16 * 1024 + 1, 20_000, 30_000, 40_000, longEnd - 200, longEnd - 1 })
        {
            yield return TruncatedCase($"truncated/long-header/{cut}", CorpusDicom.Cut(longFile, cut));
        }

        // Deflated: the header ends somewhere inside the compressed stream; cut before that point.
        var deflated = CorpusDicom.Create(_context.Parameters("CT", SyntheticTransferSyntax.DeflatedExplicitLittle));
        var dataStart = CorpusDicom.MetaEnd(deflated);
        var headerComplete = Enumerable.Range(dataStart, deflated.Length - dataStart)
            .First(cut => CorpusDicom.ReadLikeUpload(deflated[..cut]).Header?.SeriesInstanceUid is not null);
        for (var i = 0; i < 10; i++)
        {
            var cut = dataStart + ((headerComplete - dataStart) * i / 10);
            yield return TruncatedCase($"truncated/deflated/{cut}", CorpusDicom.Cut(deflated, cut));
        }
    }

    /// <summary>
    /// Cut before the end of the SeriesInstanceUID: the reader finds the cut (not_dicom before
    /// the DICM marker, malformed_dicom inside an element), or, cut exactly between elements,
    /// reads a header without its SeriesInstanceUID.
    /// </summary>
    private BadInputCase TruncatedCase(string name, byte[] bytes) =>
        Single(name, "truncated-dicom", bytes, CorpusDicom.DamageCode(bytes) ?? "missing_dicom_identifiers");

    private IEnumerable<BadInputCase> Damaged()
    {
        var explicitParameters = _context.Parameters();
        var file = CorpusDicom.Create(explicitParameters);
        var metaTs = CorpusDicom.Find(file, 0x0002_0010);
        var metaVersion = CorpusDicom.Find(file, 0x0002_0001);
        var description = CorpusDicom.Find(file, 0x0008_1030);
        var patientId = CorpusDicom.Find(file, 0x0010_0020);
        var modality = CorpusDicom.Find(file, 0x0008_0060);
        var studyUid = CorpusDicom.Find(file, 0x0020_000D);
        var patientName = CorpusDicom.Find(file, 0x0010_0010);
        var studyDate = CorpusDicom.Find(file, 0x0008_0020);
        var metaTsLength = BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(metaTs + 6));

        var damaged = new List<(string Name, byte[] Bytes)>
        {
            ("only-preamble-and-magic", file[..132]),
            ("meta-vr-lower-case", CorpusDicom.Overwrite(file, metaTs + 4, "ui"u8)),
            ("meta-vr-nul", CorpusDicom.Overwrite(file, metaTs + 4, [0, 0])),
            ("meta-undefined-length", CorpusDicom.OverwriteUInt32(file, metaVersion + 8, 0xFFFF_FFFF)),
            ("meta-length-past-end", CorpusDicom.OverwriteUInt16(file, metaTs + 6, 0xFFFF)),
            ("meta-transfer-syntax-removed", CorpusDicom.Splice(file, metaTs, 8 + metaTsLength, [])),
            ("empty-transfer-syntax", CorpusDicom.Create(_context.Parameters() with { TransferSyntaxUidOverride = string.Empty })),
            ("length-past-end", CorpusDicom.OverwriteUInt16(file, description + 6, 0xFFFF)),
            ("patient-id-length-past-end", CorpusDicom.OverwriteUInt16(file, patientId + 6, 0xFFF0)),
            ("study-uid-length-past-end", CorpusDicom.OverwriteUInt16(file, studyUid + 6, 0xFFFF)),
            ("vr-lower-case", CorpusDicom.Overwrite(file, modality + 4, "cs"u8)),
            ("vr-digit", CorpusDicom.Overwrite(file, studyUid + 4, "U1"u8)),
            ("vr-nul", CorpusDicom.Overwrite(file, patientName + 4, [0, 0])),
            ("item-tag-at-top-level", CorpusDicom.OverwriteUInt32(file, studyDate, 0xE000_FFFE)),
            ("sequence-delimiter-at-top-level", CorpusDicom.OverwriteUInt32(file, studyDate, 0xE0DD_FFFE)),
        };

        // A private OB element before the patient module, with its length pointing past the end.
        var blobParameters = _context.Parameters() with { PrivateBlobLength = 64 };
        var blob = CorpusDicom.Create(blobParameters);
        var blobElement = CorpusDicom.Find(blob, 0x0009_1001);
        damaged.Add(("ob-length-huge", CorpusDicom.OverwriteUInt32(blob, blobElement + 8, 0xFFFF_FFFE)));
        var longParameters = _context.Parameters() with { PrivateBlobLength = 40 * 1024 };
        var longFile = CorpusDicom.Create(longParameters);
        var longBlob = CorpusDicom.Find(longFile, 0x0009_1001);
        damaged.Add(("long-header-ob-length-over-limit", CorpusDicom.OverwriteUInt32(longFile, longBlob + 8, 0x7FFF_FFF0)));
        damaged.Add(("long-header-ob-length-just-past-end", CorpusDicom.OverwriteUInt32(longFile, longBlob + 8, (uint)longFile.Length)));

        // Implicit VR: lengths are 4 bytes, so a captured value can claim an undefined length.
        var implicitFile = CorpusDicom.Create(_context.Parameters("CT", SyntheticTransferSyntax.ImplicitLittle));
        damaged.Add(("implicit-study-uid-undefined-length", CorpusDicom.OverwriteUInt32(implicitFile, CorpusDicom.Find(implicitFile, 0x0020_000D) + 4, 0xFFFF_FFFF)));
        damaged.Add(("implicit-text-undefined-length", CorpusDicom.OverwriteUInt32(implicitFile, CorpusDicom.Find(implicitFile, 0x0008_1030) + 4, 0xFFFF_FFFF)));
        damaged.Add(("implicit-length-past-end", CorpusDicom.OverwriteUInt32(implicitFile, CorpusDicom.Find(implicitFile, 0x0008_1030) + 4, 0x00FF_FFF0)));

        var bigFile = CorpusDicom.Create(_context.Parameters("CT", SyntheticTransferSyntax.ExplicitBig));
        damaged.Add(("big-endian-vr-lower-case", CorpusDicom.Overwrite(bigFile, CorpusDicom.Find(bigFile, 0x0008_0060, bigEndian: true) + 4, "cs"u8)));
        damaged.Add(("big-endian-length-past-end", CorpusDicom.OverwriteUInt16(bigFile, CorpusDicom.Find(bigFile, 0x0008_1030, bigEndian: true) + 6, 0xFFFF, bigEndian: true)));

        damaged.AddRange(UnclosedSequences());

        damaged.Add(("deflated-syntax-on-plain-data", CorpusDicom.Create(_context.Parameters() with { TransferSyntaxUidOverride = "1.2.840.10008.1.2.1.99" })));
        var deflated = CorpusDicom.Create(_context.Parameters("CT", SyntheticTransferSyntax.DeflatedExplicitLittle));
        var deflatedStart = CorpusDicom.MetaEnd(deflated);
        damaged.Add(("deflated-garbage-stream", [.. deflated[..deflatedStart], .. Enumerable.Repeat((byte)0xFF, 64), .. RandomBytes(512)]));

        foreach (var (name, bytes) in damaged)
        {
            var code = CorpusDicom.DamageCode(bytes)
                ?? throw new InvalidOperationException($"damaged/{name}: the reader reads this file as valid; the case does not damage what it claims to.");
            yield return Single("damaged/" + name, "damaged-dicom", bytes, code);
        }

        // A wrong file meta group length: the reader ends the group where group 0002 tags end
        // (as DCMTK does), so most of these read as valid and are left out, by design.
        var groupLength = CorpusDicom.PreambleAndMagic;
        (string Name, byte[] Bytes)[] groupLengths =
        [
            ("meta-group-length-zero", CorpusDicom.OverwriteUInt32(file, groupLength + 8, 0)),
            ("meta-group-length-two", CorpusDicom.OverwriteUInt32(file, groupLength + 8, 2)),
            ("meta-group-length-huge", CorpusDicom.OverwriteUInt32(file, groupLength + 8, 0xFFFF_FFF0)),
            ("meta-group-length-vr-ob", CorpusDicom.Overwrite(file, groupLength + 4, "OB"u8)),
            ("meta-group-length-removed", CorpusDicom.Splice(file, groupLength, 12, [])),
            ("meta-group-length-short-value", CorpusDicom.OverwriteUInt16(file, groupLength + 6, 2)),
        ];
        foreach (var (name, bytes) in groupLengths)
        {
            if (CorpusDicom.DamageCode(bytes) is { } code)
            {
                yield return Single("damaged/" + name, "damaged-dicom", bytes, code);
            }
            else
            {
                _tolerated.Add("damaged/" + name);
            }
        }
    }

    /// <summary>Undefined-length sequences and items that the file never closes, or closes wrongly.</summary>
    private IEnumerable<(string Name, byte[] Bytes)> UnclosedSequences()
    {
        var decoy = CorpusDicom.Create(_context.Parameters() with { Decoy = DecoySequence.UndefinedLength });
        var sequence = CorpusDicom.Find(decoy, 0x0008_1115);

        // The items hold a nested sequence with its own delimiters: the outer sequence's
        // delimiter is the 8 bytes before the next top-level element (PatientName).
        var sequenceEnd = CorpusDicom.Find(decoy, 0x0010_0010, from: sequence) - 8;
        var lastItemEnd = sequenceEnd - 8;
        var nested = CorpusDicom.Find(decoy, 0x0008_1199);
        yield return ("sequence-never-closed", decoy[..sequenceEnd]);
        yield return ("sequence-delimiter-removed", CorpusDicom.Splice(decoy, sequenceEnd, 8, []));
        yield return ("item-delimiter-removed", CorpusDicom.Splice(decoy, lastItemEnd, 8, []));
        yield return ("cut-inside-nested-sequence", decoy[..(nested + 20)]);
        yield return ("item-never-closed", decoy[..lastItemEnd]);

        // Undefined-length sequences nested past any sane depth, and ten deep then the end of the file.
        var meta = decoy[..CorpusDicom.MetaEnd(decoy)];
        byte[] Nested(int depth)
        {
            var data = new List<byte>(meta);
            for (var i = 0; i < depth; i++)
            {
                data.AddRange(Tag(0x0008_1115));
                data.AddRange("SQ\0\0"u8.ToArray());
                data.AddRange(BitConverter.GetBytes(0xFFFF_FFFFu));
                data.AddRange(Tag(0xFFFE_E000));
                data.AddRange(BitConverter.GetBytes(0xFFFF_FFFFu));
            }

            return [.. data];
        }

        yield return ("sequences-nested-70-deep", Nested(70));
        yield return ("sequences-nested-10-deep-unclosed", Nested(10));

        var defined = CorpusDicom.Create(_context.Parameters() with { Decoy = DecoySequence.DefinedLength });
        var definedSequence = CorpusDicom.Find(defined, 0x0008_1115);
        yield return ("defined-sequence-length-huge", CorpusDicom.OverwriteUInt32(defined, definedSequence + 8, 0xFFFF_FFF0));
    }

    private IEnumerable<BadInputCase> RuleBreakers()
    {
        string[] syntaxes =
        [
            "1.2.840.10008.1.2.4.100",
            "1.2.840.10008.1.2.4.101",
            "1.2.840.10008.1.2.4.102",
            "1.2.840.10008.1.2.4.103",
            "1.2.840.10008.1.2.4.104",
            "1.2.840.10008.1.2.4.105",
            "1.2.840.10008.1.2.4.106",
            "1.2.840.10008.1.2.4.94",
            "1.2.840.10008.1.2.4.95",
            "1.2.840.10008.1.2.1.98",
            "1.2.840.113619.5.2",
            "1.2.3.4",
        ];
        foreach (var syntax in syntaxes)
        {
            yield return Single("rules/transfer-syntax/" + syntax, "dicom-rules", _context.Dicom(p => p with { TransferSyntaxUidOverride = syntax }), "unsupported_transfer_syntax") with { ForbiddenInAnswer = [syntax] };
        }

        yield return Single("rules/missing/study-uid", "dicom-rules", _context.Dicom(p => p with { StudyInstanceUid = string.Empty }), "missing_dicom_identifiers");
        yield return Single("rules/missing/series-uid", "dicom-rules", _context.Dicom(p => p with { SeriesInstanceUid = string.Empty }), "missing_dicom_identifiers");
        yield return Single("rules/missing/sop-uid", "dicom-rules", _context.Dicom(p => p with { SopInstanceUid = string.Empty }), "missing_dicom_identifiers");

        foreach (var modality in new[] { "US", "OT", "MG", "PT", "SR", "NM", "XA", "DX", "ct", "mr", string.Empty, "CT\\MR" })
        {
            yield return Single($"rules/modality/{(modality.Length == 0 ? "(none)" : modality)}", "dicom-rules", _context.Dicom(p => p with { Modality = modality }), "unsupported_modality")
                with { ForbiddenInAnswer = modality.Length == 0 ? ["(none)"] : [$"'{modality}'", .. modality.Length > 1 && modality.All(char.IsAsciiLetterUpper) ? [modality] : Array.Empty<string>()] };
        }

        yield return Single("rules/patient/other-id", "dicom-rules", _context.Dicom(p => p with { PatientId = CorpusDicom.OtherPatientId }), "patient_id_mismatch", PatientIdField);
        yield return Single("rules/patient/other-case", "dicom-rules", _context.Dicom(p => p with { PatientId = CorpusDicom.PatientId.ToLowerInvariant() }), "patient_id_mismatch", PatientIdField);
        yield return Single("rules/patient/absent", "dicom-rules", _context.Dicom(p => p with { PatientId = string.Empty }), "patient_id_mismatch", PatientIdField);
        yield return Single(
            "rules/patient/explicit-no-override",
            "dicom-rules",
            _context.Dicom(p => p with { PatientId = CorpusDicom.OtherPatientId }),
            "patient_id_mismatch",
            PatientIdField,
            ("accept_patient_id_mismatch", "false"));
        yield return Single("rules/patient/big-endian", "dicom-rules", CorpusDicom.Create(_context.Parameters("MR", SyntheticTransferSyntax.ExplicitBig) with { PatientId = CorpusDicom.OtherPatientId }), "patient_id_mismatch", PatientIdField);
        yield return Single("rules/patient/implicit", "dicom-rules", CorpusDicom.Create(_context.Parameters("MR", SyntheticTransferSyntax.ImplicitLittle) with { PatientId = CorpusDicom.OtherPatientId }), "patient_id_mismatch", PatientIdField);

        // The request names the PatientID a nested sequence item holds; the top-level one differs.
        yield return Single(
            "rules/patient/nested-decoy-id",
            "dicom-rules",
            _context.Dicom(p => p with { Decoy = DecoySequence.UndefinedLength }),
            "patient_id_mismatch",
            PatientIdField,
            ("patient_id", Text(SyntheticDicom.DecoyPatientId)));

        foreach (var folder in Folders())
        {
            yield return folder;
        }
    }

    private IEnumerable<BadInputCase> Folders()
    {
        BadInputCase FolderCase(string name, string code, string field, params byte[][] files)
        {
            var folder = _context.NewFolder();
            var objects = files.Select((bytes, i) => new CorpusObject(
                string.Create(CultureInfo.InvariantCulture, $"{folder}{i + 1:D3}_{CorpusDicom.FileName}"),
                bytes)).ToList();
            return Object("folders/" + name, "folders", folder, objects, code, field);
        }

        var study = _context.NewUid();
        byte[] Slice(Func<SyntheticDicomParameters, SyntheticDicomParameters>? change = null) =>
            _context.Dicom(p => change is null ? p with { StudyInstanceUid = study } : change(p with { StudyInstanceUid = study }));

        yield return FolderCase("mixed-studies-two", "mixed_studies", FileKeyField, Slice(), _context.Dicom());
        yield return FolderCase("mixed-studies-third-differs", "mixed_studies", FileKeyField, Slice(), Slice(), _context.Dicom());
        yield return FolderCase("mixed-studies-suffix", "mixed_studies", FileKeyField, Slice(), Slice(p => p with { StudyInstanceUid = study + ".1" }));
        yield return FolderCase("one-not-dicom", "not_dicom", FileKeyField, Slice(), RandomBytes(2048), Slice());
        var cutShort = Slice();
        yield return FolderCase("one-truncated", "malformed_dicom", FileKeyField, Slice(), cutShort[..(CorpusDicom.Find(cutShort, 0x0020_000D) + 10)]);
        yield return FolderCase("one-wrong-modality", "unsupported_modality", FileKeyField, Slice(), Slice(p => p with { Modality = "US" }));
        yield return FolderCase("one-other-patient", "multiple_patients", FileKeyField, Slice(), Slice(p => p with { PatientId = CorpusDicom.OtherPatientId }));
        yield return FolderCase("one-unsupported-syntax", "unsupported_transfer_syntax", FileKeyField, Slice(), Slice(p => p with { TransferSyntaxUidOverride = "1.2.840.10008.1.2.4.100" }));
        yield return FolderCase("one-without-series", "missing_dicom_identifiers", FileKeyField, Slice(p => p with { SeriesInstanceUid = string.Empty }), Slice());
    }

    /// <summary>One object in a new folder, named by an otherwise valid request.</summary>
    private BadInputCase Single(string name, string category, byte[] content, string code, string field = FileKeyField, params (string Name, string Raw)[] overrides)
    {
        var key = _context.NewFolder() + CorpusDicom.FileName;
        return Object(name, category, key, [new CorpusObject(key, content)], code, field, overrides);
    }

    private static BadInputCase Object(string name, string category, string fileKey, IReadOnlyList<CorpusObject> objects, string code, string field, params (string Name, string Raw)[] overrides) => new()
    {
        Name = name,
        Category = category,
        Body = CorpusContext.Body(fileKey, overrides),
        Objects = objects,
        ExpectedCode = code,
        ExpectedField = field,
    };

    private byte[] RandomBytes(int length)
    {
        var bytes = new byte[length];
        _random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>A tag as explicit/implicit VR little endian writes it.</summary>
    private static byte[] Tag(uint tag)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, (ushort)(tag >> 16));
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2), (ushort)tag);
        return bytes;
    }
}
