using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using CsCheck;
using StrokeIngestion.Sandbox.Dicom;
using static StrokeIngestion.EndToEnd.Tests.BadInput.JsonBody;

namespace StrokeIngestion.EndToEnd.Tests.BadInput;

/// <summary>
/// CsCheck generators for malformed requests and damaged DICOM objects, drawn from one PCG
/// stream per part so a seed always yields the same corpus. Each request carries exactly one
/// fault by construction, so its expected answer follows from the fault alone; a mutated DICOM
/// file is kept only when the upload handler's reader finds the damage (a mutation that leaves
/// a readable header is no bad input, and is counted as discarded).
/// </summary>
internal static partial class GeneratedCorpus
{
    private const string PatientChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-";
    private const string SegmentChars = "abcdefghijklmnopqrstuvwxyz0123456789_-.~+=@ ()äöü€漢";
    private const string TokenChars = "abcdefghijklmnopqrstuvwxyz0123456789.+-";
    private const string Unprintable = "(unprintable field name)";

    private static readonly string[] Fields = ["patient_id", "study_description", "file_key", "accept_patient_id_mismatch"];

    private static readonly Gen<char> AnyChar = Gen.Char.Where(c => !char.IsSurrogate(c));

    private static readonly Gen<string> ValidPatientId = Gen.Char[PatientChars].Array[1, 40].Select(a => new string(a));

    private static readonly Gen<char> ControlChar = Gen.OneOf(Gen.Char['\u0000', '\u001f'], Gen.Char['\u007f', '\u009f']);

    private static readonly Gen<string> Segment = Gen.Char[SegmentChars].Array[1, 24]
        .Select(a => new string(a))
        .Where(s => s is not ("." or ".."));

    private static readonly Gen<string> SafePath = Segment.Array[1, 4].Select(s => string.Join('/', s));

    /// <summary>A JSON value of any type but string, nested at most four deep (the parser allows eight).</summary>
    private static readonly Gen<string> NonStringJson = NonString(3);

    /// <summary>Requests with one fault each, mixed over the kinds below.</summary>
    public static IReadOnlyList<BadInputCase> Requests(CorpusContext context, int count)
    {
        var pcg = new PCG(1, context.Seed);
        var gen = Gen.Frequency(
            (3, InvalidPatientId),
            (2, InvalidStudyDescription),
            (4, InvalidFileKey),
            (2, AbsentFileKey),
            (3, WrongType),
            (2, UnknownField),
            (2, DuplicateField),
            (1, MissingField),
            (2, BadIdempotencyKey),
            (2, BadContentType),
            (2, TruncatedBody),
            (2, TrailingGarbage),
            (1, Oversized),
            (1, NotAnObject),
            (2, InvalidUtf8InPatientId),
            (3, LegacyEncodedBody),
            (3, AstralDescription));
        var cases = new List<BadInputCase>(count);
        for (var i = 0; i < count; i++)
        {
            var generated = gen.Generate(pcg, null, out _);
            cases.Add(generated with { Name = string.Create(CultureInfo.InvariantCulture, $"gen-request/{i:D3}/{generated.Name}") });
        }

        return cases;
    }

    /// <summary>
    /// Mutated valid files (bit flips, overwritten lengths, cuts, inserted and deleted bytes in
    /// the header), kept when the reader reports NotDicom or Malformed.
    /// </summary>
    public static (IReadOnlyList<BadInputCase> Cases, int Discarded) DicomMutations(CorpusContext context, int count)
    {
        var bases = MutationBases(context);
        var pcg = new PCG(2, context.Seed);
        var gen = Gen.Select(Gen.Int[0, bases.Count - 1], Mutation.Array[1, 3]);
        var cases = new List<BadInputCase>(count);
        var discarded = 0;
        for (var attempt = 0; cases.Count < count && attempt < count * 50; attempt++)
        {
            var (baseIndex, mutations) = gen.Generate(pcg, null, out _);
            var (name, file, headerEnd) = bases[baseIndex];
            var bytes = file;
            foreach (var mutation in mutations)
            {
                bytes = mutation.Apply(bytes, headerEnd);
            }

            if (CorpusDicom.DamageCode(bytes) is not { } code)
            {
                discarded++;
                continue;
            }

            var key = context.NewFolder() + CorpusDicom.FileName;
            cases.Add(new BadInputCase
            {
                Name = string.Create(CultureInfo.InvariantCulture, $"gen-dicom/{cases.Count:D3}/{name}/{string.Join('+', mutations.Select(m => m.Kind))}"),
                Category = "gen-dicom",
                Body = CorpusContext.Body(key),
                Objects = [new CorpusObject(key, bytes)],
                ExpectedCode = code,
                ExpectedField = "file_key",
            });
        }

        return cases.Count == count
            ? (cases, discarded)
            : throw new InvalidOperationException($"Only {cases.Count} of {count} mutations damaged a header in {count * 50} attempts.");
    }

    /// <summary>
    /// Folders of 2 to 8 images of one study where one file (anywhere) is another patient by one
    /// identity attribute, the others' PatientID padded at random, with or without the override:
    /// every one is multiple_patients.
    /// </summary>
    public static IReadOnlyList<BadInputCase> PatientFolders(CorpusContext context, int count)
    {
        var patients = new HandPickedPatients(context);
        var pcg = new PCG(3, context.Seed);
        (string Name, Func<SyntheticDicomParameters, SyntheticDicomParameters> Odd)[] kinds =
        [
            ("patient-id", p => p with { PatientId = CorpusDicom.OtherPatientId }),
            ("patient-id-padded", p => p with { PatientId = " " + CorpusDicom.OtherPatientId + "\0" }),
            ("patient-id-absent", p => p with { PatientId = string.Empty }),
            ("issuer", p => p with { IssuerOfPatientId = CorpusDicom.OtherIssuer }),
            ("issuer-absent", p => p with { IssuerOfPatientId = null }),
            ("birth-date", p => p with { PatientBirthDate = CorpusDicom.OtherBirthDate }),
            ("sex", p => p with { PatientSex = "M" }),
            ("name", p => p with { PatientName = CorpusDicom.OtherPatientName }),
        ];
        string[] paddings = [string.Empty, " ", "  ", "\0", " \0"];
        var gen = Gen.Select(Gen.Int[2, 8], Gen.Double[0, 1], Gen.Int[0, kinds.Length - 1], Gen.Bool, Gen.Int[0, paddings.Length - 1], Gen.Bool);
        var cases = new List<BadInputCase>(count);
        for (var i = 0; i < count; i++)
        {
            var (files, where, kind, accept, padding, leading) = gen.Generate(pcg, null, out _);
            var odd = Math.Min(files - 1, (int)(where * files));
            var padded = (leading ? paddings[padding] : string.Empty) + CorpusDicom.PatientId + (leading ? string.Empty : paddings[padding]);
            cases.Add(patients.StudyFolder(
                string.Create(CultureInfo.InvariantCulture, $"gen-patients/{i:D3}/{files}-files/odd-{odd}/{kinds[kind].Name}/{(accept ? "override-true" : "no-override")}"),
                files,
                odd,
                kinds[kind].Odd,
                "multiple_patients",
                "file_key",
                accept ? [("accept_patient_id_mismatch", "true")] : [],
                p => p with { PatientId = padded }));
        }

        return cases;
    }

    private static List<(string Name, byte[] File, int HeaderEnd)> MutationBases(CorpusContext context)
    {
        var bases = new List<(string, byte[], int)>();
        void Add(string name, SyntheticDicomParameters parameters)
        {
            var file = CorpusDicom.Create(parameters);
            var headerEnd = parameters.TransferSyntax == SyntheticTransferSyntax.DeflatedExplicitLittle
                ? file.Length
                : CorpusDicom.HeaderEnd(file, parameters.SeriesInstanceUid);
            bases.Add((name, file, headerEnd));
        }

        Add("explicit-le-ct", context.Parameters());
        Add("implicit-le-mr", context.Parameters("MR", SyntheticTransferSyntax.ImplicitLittle));
        Add("explicit-be-ct", context.Parameters("CT", SyntheticTransferSyntax.ExplicitBig));
        Add("deflated-ct", context.Parameters("CT", SyntheticTransferSyntax.DeflatedExplicitLittle));
        Add("decoy-undefined-ct", context.Parameters() with { Decoy = DecoySequence.UndefinedLength });
        Add("decoy-defined-mr", context.Parameters("MR") with { Decoy = DecoySequence.DefinedLength });
        Add("long-header-ct", context.Parameters() with { PrivateBlobLength = 20 * 1024 });
        return bases;
    }

    private static Gen<BadInputCase> InvalidPatientId =>
        Gen.OneOf(
                Gen.Select(ValidPatientId, AnyChar.Where(c => !PatientChars.Contains(c)), Gen.Int[0, 40], (id, bad, at) => id.Insert(Math.Min(at, id.Length), bad.ToString())),
                Gen.Char[PatientChars].Array[65, 400].Select(a => new string(a)),
                Gen.Const(string.Empty))
            .Select(id => Request("invalid-patient-id", CorpusContext.Body(overrides: ("patient_id", Text(id))), "invalid_patient_id", "patient_id"));

    private static Gen<BadInputCase> InvalidStudyDescription =>
        Gen.OneOf(
                Gen.Char[' ', '~'].Array[257, 1500].Select(a => new string(a)),
                Gen.Select(Gen.Char[' ', '~'].Array[0, 100], ControlChar, Gen.Int[0, 100], (a, control, at) => new string(a).Insert(Math.Min(at, a.Length), control.ToString())))
            .Select(text => Request("invalid-study-description", CorpusContext.Body(overrides: ("study_description", Text(text))), "invalid_study_description", "study_description"));

    private static Gen<BadInputCase> InvalidFileKey =>
        Gen.OneOf(
                Gen.Select(Gen.OneOf("", "/", "Uploads/", "UPLOADS/", "upload/", "imports/", "import-output/", "./uploads/", "../uploads/", "s3://bucket/uploads/", " uploads/", "uploads", "\\uploads/"), SafePath, (prefix, path) => prefix + path)
                    .Where(key => !key.StartsWith("uploads/", StringComparison.Ordinal)),
                Gen.Select(Segment.Array[0, 3], Gen.OneOf("..", "."), Segment.Array[0, 3], (before, bad, after) => "uploads/" + string.Join('/', [.. before, bad, .. after])),
                Gen.Select(SafePath, Gen.Int[0, 60], (path, at) => "uploads/" + path.Insert(Math.Min(at, path.Length), "/").Insert(Math.Min(at, path.Length), "/")),
                Gen.Select(SafePath, Gen.Int[0, 60], (path, at) => "uploads/" + path.Insert(Math.Min(at, path.Length), "\\")),
                Gen.Select(SafePath, ControlChar, Gen.Int[0, 60], (path, control, at) => "uploads/" + path.Insert(Math.Min(at, path.Length), control.ToString())),
                Segment.Array[60, 200].Select(s => "uploads/" + string.Join('/', s)).Where(key => Encoding.UTF8.GetByteCount(key) > 1024),
                Gen.Const("uploads/"))
            .Select(key => Request("invalid-file-key", CorpusContext.Body(key), "invalid_file_key", "file_key"));

    private static Gen<BadInputCase> AbsentFileKey =>
        Gen.Select(SafePath, Gen.Bool, (path, folder) => "uploads/gen-absent/" + path + (folder ? "/" : string.Empty))
            .Select(key => Request("absent-object", CorpusContext.Body(key), "object_not_found", "file_key"));

    private static Gen<BadInputCase> WrongType =>
        Gen.Select(Gen.Int[0, Fields.Length - 1], NonStringJson, Chars(AnyChar, 0, 30), (index, nonString, text) =>
        {
            var name = Fields[index];
            var raw = name == "accept_patient_id_mismatch"
                ? (nonString is "true" or "false" ? Text(text) : nonString)
                : nonString;
            return Request("wrong-type", CorpusContext.Body(overrides: (name, raw)), "invalid_field_type", name);
        });

    private static Gen<BadInputCase> UnknownField =>
        Gen.Select(
                Gen.OneOf(Gen.Char[TokenChars + "_ABCXYZ"].Array[1, 40].Select(a => new string(a)), Chars(AnyChar, 0, 80)).Where(n => !Fields.Contains(n)),
                Gen.Int[0, 3],
                (name, at) =>
                {
                    var members = CorpusContext.ValidMembers();
                    members.Insert(at, (name, "1"));
                    return Request("unknown-field", Object(members), "unknown_field", PrintableFieldName().IsMatch(name) ? name : Unprintable);
                });

    private static Gen<BadInputCase> DuplicateField =>
        Gen.Select(Gen.Int[0, Fields.Length - 1], Gen.Int[0, 4], (index, at) =>
        {
            var members = CorpusContext.ValidMembers();
            members.Add(("accept_patient_id_mismatch", "false"));
            var duplicate = members.Single(m => m.Name == Fields[index]);
            var first = members.IndexOf(duplicate);
            members.Insert(Math.Max(first + 1, Math.Min(at, members.Count)), duplicate);
            return Request("duplicate-field", Object(members), "duplicate_field", Fields[index]);
        });

    private static Gen<BadInputCase> MissingField =>
        Gen.OneOf("patient_id", "file_key").Select(missing =>
            Request("missing-field", Object(CorpusContext.ValidMembers().Where(m => m.Name != missing)), "missing_field", missing));

    private static Gen<BadInputCase> BadIdempotencyKey =>
        Gen.OneOf(
                Gen.Char['!', '~'].Array[1, 60].Select(a => new string(a)).Where(k => !IdempotencyKey().IsMatch(k)),
                Gen.Char["abcXYZ019._:-"].Array[129, 300].Select(a => new string(a)))
            .Select(key => Request("bad-idempotency-key", CorpusContext.Body(), "invalid_idempotency_key", "Idempotency-Key") with
            {
                Headers = [new("Idempotency-Key", key)],
            });

    private static Gen<BadInputCase> BadContentType =>
        Gen.Select(Gen.Char[TokenChars].Array[1, 20], Gen.Char[TokenChars].Array[1, 20], Gen.OneOf(string.Empty, "; charset=utf-8"), (type, subtype, parameters) => $"{new string(type)}/{new string(subtype)}{parameters}")
            .Where(contentType => !contentType.Split(';')[0].Trim().Equals("application/json", StringComparison.OrdinalIgnoreCase))
            .Select(contentType => Request("bad-content-type", CorpusContext.Body(), "unsupported_media_type", null) with { ContentType = contentType });

    private static Gen<BadInputCase> TruncatedBody
    {
        get
        {
            var body = CorpusContext.Body();
            return Gen.Int[1, body.Length - 1].Select(cut => Request("truncated-body", body[..cut], "invalid_json", null));
        }
    }

    private static Gen<BadInputCase> TrailingGarbage =>
        Gen.Select(Gen.OneOf(string.Empty, " ", "\n", "\t "), Gen.Char['!', '~'], Chars(AnyChar, 0, 40), (space, first, rest) =>
            Request("trailing-garbage", [.. CorpusContext.Body(), .. Utf8(space + first + rest)], "invalid_json", null));

    private static Gen<BadInputCase> Oversized =>
        Gen.Byte.Array[16 * 1024 + 1, 40 * 1024].Select(bytes => Request("oversized", bytes, "payload_too_large", null));

    private static Gen<BadInputCase> NotAnObject =>
        Gen.OneOf(NonStringJson.Where(json => !json.StartsWith('{')), Chars(AnyChar, 0, 40).Select(Text))
            .Select(json => Request("not-an-object", Utf8(json), "invalid_body", null));

    private static Gen<BadInputCase> InvalidUtf8InPatientId
    {
        get
        {
            byte[][] sequences = [[0x80], [0xBF], [0xC0, 0xAF], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFE], [0xFF], [0xC3]];
            return Gen.Select(ValidPatientId, Gen.Int[0, sequences.Length - 1], Gen.Int[0, 40], (id, sequence, at) =>
            {
                var marker = "\u0001MARK\u0001";
                var text = Encoding.UTF8.GetString(CorpusContext.Body(overrides: ("patient_id", "\"" + id.Insert(Math.Min(at, id.Length), marker) + "\"")));
                var split = text.IndexOf(marker, StringComparison.Ordinal);
                byte[] body = [.. Utf8(text[..split]), .. sequences[sequence], .. Utf8(text[(split + marker.Length)..])];
                return Request("invalid-utf8-patient-id", body, "invalid_encoding", null);
            });
        }
    }

    private static Gen<string> NonString(int depth)
    {
        var scalar = Gen.OneOf(
            Gen.Const("true"),
            Gen.Const("false"),
            Gen.Const("null"),
            Gen.Int.Select(i => i.ToString(CultureInfo.InvariantCulture)),
            Gen.Double.Where(double.IsFinite).Select(d => d.ToString("R", CultureInfo.InvariantCulture)));
        if (depth == 0)
        {
            return scalar;
        }

        var inner = NonString(depth - 1);
        return Gen.Frequency(
            (4, scalar),
            (1, inner.Array[0, 3].Select(items => "[" + string.Join(',', items) + "]")),
            (1, Gen.Select(Gen.Char['a', 'z'].Array[1, 8], inner, (name, value) => "{" + Text(new string(name)) + ":" + value + "}")));
    }

    /// <summary>
    /// A body whose description holds Latin-1 or Windows-1252 letters, written in Latin-1,
    /// Windows-1252 or UTF-16 (with or without a byte order mark), under a random charset label:
    /// a label other than UTF-8 is refused as such, otherwise the bytes are (never decoded lossily).
    /// Draws whose bytes happen to be valid UTF-8 are skipped: they are no bad input.
    /// </summary>
    private static Gen<BadInputCase> LegacyEncodedBody
    {
        get
        {
            var cp1252 = CodePagesEncodingProvider.Instance.GetEncoding(1252) ?? throw new InvalidOperationException("Windows-1252 is not available.");
            (string Name, Func<string, byte[]> Encode)[] encodings =
            [
                ("latin-1", Encoding.Latin1.GetBytes),
                ("cp1252", cp1252.GetBytes),
                ("utf-16le", Encoding.Unicode.GetBytes),
                ("utf-16be", Encoding.BigEndianUnicode.GetBytes),
                ("utf-16le-bom", t => [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(t)]),
            ];
            string?[] labels = [null, "utf-8", "Utf-8", "ISO-8859-1", "latin1", "windows-1252", "utf-16", "UTF-16LE", "ascii"];
            var letter = Gen.OneOf(Gen.Char['À', 'ÿ'], Gen.OneOf('€', '“', '”', '–', 'Š', 'œ'));
            var text = Gen.Select(Gen.Char['a', 'z'].Array[0, 30], letter.Array[1, 5], Gen.Int[0, 30], (ascii, letters, at) =>
                new string(ascii).Insert(Math.Min(at, ascii.Length), new string(letters)));
            return Gen.Select(text, Gen.Int[0, encodings.Length - 1], Gen.Int[0, labels.Length - 1], (description, encoding, label) =>
                {
                    var json = ObjectText(CorpusContext.ValidMembers().Select(m => m.Name == "study_description" ? (m.Name, "\"" + description + "\"") : m));
                    var (name, encode) = encodings[encoding];
                    var charset = labels[label];
                    var utf8Label = charset is null || charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase);
                    return Request("legacy-encoded-body/" + name, encode(json), utf8Label ? "invalid_encoding" : "unsupported_charset", null) with
                    {
                        ContentType = charset is null ? "application/json" : "application/json; charset=" + charset,
                    };
                })
                .Where(c => !System.Text.Unicode.Utf8.IsValid(c.Body) || c.ExpectedCode == "unsupported_charset");
        }
    }

    /// <summary>
    /// Descriptions of characters inside and outside the BMP, counted in code points: over 256
    /// they are refused; at or under 256 they pass their rule, and the request's unsafe file_key
    /// is what the answer names.
    /// </summary>
    private static Gen<BadInputCase> AstralDescription
    {
        get
        {
            var character = Gen.Frequency(
                (3, Gen.Int[0x1_0000, 0x1_FFFF].Where(c => (c & 0xFFFE) != 0xFFFE).Select(char.ConvertFromUtf32)),
                (1, Gen.Char[' ', '퟿'].Where(c => !char.IsControl(c)).Select(c => c.ToString())));
            return Gen.Select(character.Array[250, 262], parts =>
            {
                var description = string.Concat(parts);
                return parts.Length > 256
                    ? Request("astral-description/over", CorpusContext.Body(overrides: ("study_description", "\"" + description + "\"")), "invalid_study_description", "study_description")
                    : Request("astral-description/within", CorpusContext.Body("uploads/a/../b", ("study_description", "\"" + description + "\"")), "invalid_file_key", "file_key");
            });
        }
    }

    private static Gen<string> Chars(Gen<char> chars, int min, int max) => chars.Array[min, max].Select(a => new string(a));

    private static BadInputCase Request(string kind, byte[] body, string code, string? field) => new()
    {
        Name = kind,
        Category = "gen-request",
        Body = body,
        ExpectedCode = code,
        ExpectedField = field,
    };

    /// <summary>One byte-level edit of a file; positions fall mostly inside the header the handler reads.</summary>
    private static Gen<FileMutation> Mutation =>
        Gen.Select(Gen.Int[0, 6], Gen.Double[0, 1], Gen.UInt, Gen.Byte.Array[1, 16], (kind, where, value, bytes) => new FileMutation((MutationKind)kind, where, value, bytes));

    [GeneratedRegex(@"^[A-Za-z0-9_.-]{1,64}\z")]
    private static partial Regex PrintableFieldName();

    [GeneratedRegex(@"^[A-Za-z0-9._:-]{1,128}\z")]
    private static partial Regex IdempotencyKey();
}

internal enum MutationKind
{
    Truncate,
    FlipBit,
    SetByte,
    WriteUInt16,
    WriteUInt32,
    Insert,
    Delete,
}

/// <summary>A byte-level edit; <see cref="Where"/> in [0, 1] places it between the DICM marker and the header end.</summary>
internal sealed record FileMutation(MutationKind Kind, double Where, uint Value, byte[] Bytes)
{
    private static readonly uint[] InterestingLengths = [0, 1, 0xFFFF_FFFF, 0xFFFF_FFFE, 0x7FFF_FFFF, 0xFFFF, 0x1_0000, 0x00FF_FFF0];

    public byte[] Apply(byte[] file, int headerEnd)
    {
        var start = Math.Min(CorpusDicom.PreambleAndMagic - 4, file.Length - 1);
        var end = Math.Max(start + 1, Math.Min(headerEnd, file.Length));
        var at = Math.Clamp(start + (int)(Where * (end - start)), 1, file.Length - 1);
        var copy = (byte[])file.Clone();
        switch (Kind)
        {
            case MutationKind.Truncate:
                return file[..at];
            case MutationKind.FlipBit:
                copy[at] ^= (byte)(1 << (int)(Value % 8));
                return copy;
            case MutationKind.SetByte:
                copy[at] = (byte)Value;
                return copy;
            case MutationKind.WriteUInt16 when at + 2 <= copy.Length:
                BinaryPrimitives.WriteUInt16LittleEndian(copy.AsSpan(at), (ushort)Value);
                return copy;
            case MutationKind.WriteUInt32 when at + 4 <= copy.Length:
                var length = Value % 2 == 0 ? InterestingLengths[(int)(Value / 2 % (uint)InterestingLengths.Length)] : Value;
                BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(at), length);
                return copy;
            case MutationKind.Insert:
                return [.. file.AsSpan(0, at), .. Bytes, .. file.AsSpan(at)];
            case MutationKind.Delete:
                return [.. file.AsSpan(0, at), .. file.AsSpan(Math.Min(file.Length, at + Bytes.Length))];
            default:
                return copy;
        }
    }
}
