using System.Text;
using static StrokeIngestion.EndToEnd.Tests.BadInput.JsonBody;

namespace StrokeIngestion.EndToEnd.Tests.BadInput;

/// <summary>
/// The hand-picked nasties that are wrong before any object is read: headers, body, JSON
/// syntax, fields, types and values. Every body otherwise names the corpus's valid object for
/// the corpus patient, so the one fault is the only reason to refuse it.
/// </summary>
internal static class HandPickedRequests
{
    private const string PatientIdField = "patient_id";
    private const string FileKeyField = "file_key";
    private const string DescriptionField = "study_description";
    private const string AcceptField = "accept_patient_id_mismatch";
    private const string IdempotencyHeader = "Idempotency-Key";
    private const string Unprintable = "(unprintable field name)";

    public static IEnumerable<BadInputCase> Build()
    {
        return ContentTypes()
            .Concat(IdempotencyKeys())
            .Concat(Bodies())
            .Concat(JsonSyntax())
            .Concat(Fields())
            .Concat(FieldTypes())
            .Concat(PatientIds())
            .Concat(StudyDescriptions())
            .Concat(FileKeys());
    }

    private static IEnumerable<BadInputCase> ContentTypes()
    {
        string?[] types =
        [
            null,
            string.Empty,
            "text/plain",
            "text/json",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=corpus",
            "application/xml",
            "application/octet-stream",
            "application/json-patch+json",
            "application/jsonl",
            "application/vnd.api+json",
            "application/json5",
            "json",
            "application/ json",
            "application/json, text/plain",
        ];
        foreach (var type in types)
        {
            yield return new BadInputCase
            {
                Name = $"content-type/{type ?? "(none)"}",
                Category = "content-type",
                Body = CorpusContext.Body(),
                ContentType = type,
                ExpectedCode = "unsupported_media_type",
            };
        }
    }

    private static IEnumerable<BadInputCase> IdempotencyKeys()
    {
        string[][] values =
        [
            [string.Empty],
            [new string('k', 129)],
            ["key with spaces"],
            ["key/with/slash"],
            ["key?query=1"],
            ["key*"],
            ["key,other"],
            ["first-key", "second-key"],
            ["%41%42"],
            ["key\"quoted\""],
            ["<script>"],
            ["key;drop"],
        ];
        foreach (var value in values)
        {
            yield return new BadInputCase
            {
                Name = $"idempotency-key/{string.Join('|', value)}",
                Category = "idempotency-key",
                Body = CorpusContext.Body(),
                Headers = [.. value.Select(v => new KeyValuePair<string, string>(IdempotencyHeader, v))],
                ExpectedCode = "invalid_idempotency_key",
                ExpectedField = IdempotencyHeader,
            };
        }
    }

    private static IEnumerable<BadInputCase> Bodies()
    {
        BadInputCase Case(string name, byte[] body, string code, string? field = null) =>
            new() { Name = "body/" + name, Category = "body", Body = body, ExpectedCode = code, ExpectedField = field };

        yield return Case("empty", [], "missing_body");
        yield return Case("null", Utf8("null"), "invalid_body");
        yield return Case("empty-array", Utf8("[]"), "invalid_body");
        yield return Case("array-of-request", Utf8("[" + ObjectText(CorpusContext.ValidMembers()) + "]"), "invalid_body");
        yield return Case("number", Utf8("42"), "invalid_body");
        yield return Case("string", Utf8("\"uploads/corpus/base/roe_corpus_head.dcm\""), "invalid_body");
        yield return Case("true", Utf8("true"), "invalid_body");
        yield return Case("whitespace", Utf8("   "), "invalid_json");
        yield return Case("newline", Utf8("\n"), "invalid_json");
        yield return Case("huge-description", CorpusContext.Body(overrides: (DescriptionField, Text(new string('a', 20_000)))), "payload_too_large");
        yield return Case("huge-leading-whitespace", [.. new byte[16 * 1024 + 1].Select(_ => (byte)' '), .. CorpusContext.Body()], "payload_too_large");
        yield return Case("one-mebibyte", Utf8("{\"patient_id\":\"" + new string('A', 1024 * 1024) + "\"}"), "payload_too_large");
        yield return Case("huge-deeply-nested", Utf8(new string('[', 20_000) + new string(']', 20_000)), "payload_too_large");
        yield return Case("multibyte-over-limit", CorpusContext.Body(overrides: (DescriptionField, "\"" + new string('€', 6000) + "\"")), "payload_too_large");
        yield return Case("limit-plus-one", PadTo(CorpusContext.Body(), 16 * 1024 + 1), "payload_too_large");

        // Exactly at the limit the body is read, and the one fault is the over-long description.
        var atLimit = CorpusContext.Body(overrides: (DescriptionField, "\"\""));
        var filler = 16 * 1024 - atLimit.Length;
        yield return Case("at-limit-long-description", CorpusContext.Body(overrides: (DescriptionField, "\"" + new string('d', filler) + "\"")), "invalid_study_description", DescriptionField);
    }

    private static IEnumerable<BadInputCase> JsonSyntax()
    {
        var valid = ObjectText(CorpusContext.ValidMembers());
        BadInputCase Case(string name, byte[] body, string code = "invalid_json", string? field = null, string contentType = "application/json") =>
            new() { Name = "json/" + name, Category = "json-syntax", Body = body, ExpectedCode = code, ExpectedField = field, ContentType = contentType };

        yield return Case("open-brace", Utf8("{"));
        yield return Case("member-without-value", Utf8("{\"patient_id\":"));
        yield return Case("unclosed-object", Utf8(valid[..^1]));
        yield return Case("unclosed-string", Utf8("{\"patient_id\":\"PHI-CORPUS-0001"));
        yield return Case("trailing-letter", Utf8(valid + "x"));
        yield return Case("trailing-object", Utf8(valid + "{}"));
        yield return Case("two-documents", Utf8(valid + valid));
        yield return Case("two-documents-newline", Utf8(valid + "\n" + valid));
        yield return Case("trailing-comma-after", Utf8(valid + ","));
        yield return Case("trailing-bracket", Utf8(valid + "]"));
        yield return Case("trailing-nul", [.. Utf8(valid), 0]);
        yield return Case("trailing-comma-inside", Utf8(valid[..^1] + ",}"));
        yield return Case("single-quotes", Utf8(valid.Replace('"', '\'')));
        yield return Case("unquoted-keys", Utf8("{patient_id:\"PHI-CORPUS-0001\",file_key:\"" + CorpusContext.BaseKey + "\"}"));
        yield return Case("block-comment", Utf8("/* note */" + valid));
        yield return Case("line-comment", Utf8(valid[..^1] + "//x\n}"));
        yield return Case("nan", CorpusContext.Body(overrides: (AcceptField, "NaN")));
        yield return Case("leading-zero-number", CorpusContext.Body(overrides: (AcceptField, "007")));
        yield return Case("byte-order-mark", [0xEF, 0xBB, 0xBF, .. Utf8(valid)]);
        yield return Case("utf16-body", Encoding.Unicode.GetBytes(valid), "unsupported_charset", contentType: "application/json; charset=utf-16");
        yield return Case("lone-surrogate-escape-patient_id", Utf8(valid.Replace("\"PHI-CORPUS-0001\"", "\"PHI\\ud800\"", StringComparison.Ordinal)));
        yield return Case("lone-surrogate-escape-file_key", Utf8(valid.Replace("roe_corpus_head", "roe\\udc00head", StringComparison.Ordinal)));
        yield return Case("lone-surrogate-escape-name", Utf8(valid[..^1] + ",\"\\udc00\":1}"));
        yield return Case("invalid-escape", Utf8(valid.Replace("PHI-CORPUS", "PHI\\xCORPUS", StringComparison.Ordinal)));
        yield return Case("raw-tab-in-string", Utf8(valid.Replace("Brain CT", "Brain\tCT", StringComparison.Ordinal)));
        yield return Case("raw-newline-in-string", Utf8(valid.Replace("Brain CT", "Brain\nCT", StringComparison.Ordinal)));
        yield return Case("invalid-utf8-before-object", [0xFF, .. Utf8(valid)], "invalid_encoding");
        yield return Case("deep-array-in-patient_id", CorpusContext.Body(overrides: (PatientIdField, new string('[', 50) + new string(']', 50))));
        yield return Case("deep-object-in-accept", CorpusContext.Body(overrides: (AcceptField, string.Concat(Enumerable.Repeat("{\"x\":", 20)) + "1" + new string('}', 20))));
        yield return Case("shallow-array-in-patient_id", CorpusContext.Body(overrides: (PatientIdField, "[[[1]]]")), "invalid_field_type", PatientIdField);

        // Bytes that are not UTF-8 are refused as such, wherever they sit: never decoded to
        // U+FFFD (which would let them through a field that allows any character).
        byte[][] invalidSequences = [[0x80], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFF], [0xC3]];
        for (var i = 0; i < invalidSequences.Length; i++)
        {
            var body = Utf8(valid);
            var at = valid.IndexOf("CORPUS", StringComparison.Ordinal);
            yield return Case($"invalid-utf8-in-patient_id/{i}", [.. body[..at], .. invalidSequences[i], .. body[at..]], "invalid_encoding");
            var inDescription = valid.IndexOf("Stroke", StringComparison.Ordinal);
            yield return Case($"invalid-utf8-in-study_description/{i}", [.. body[..inDescription], .. invalidSequences[i], .. body[inDescription..]], "invalid_encoding");
        }
    }

    private static IEnumerable<BadInputCase> Fields()
    {
        var patient = Text(CorpusDicom.PatientId);
        var key = Text(CorpusContext.BaseKey);
        var description = Text(CorpusContext.Description);
        BadInputCase Case(string name, IEnumerable<(string Name, string Raw)> members, string code, string? field) =>
            new() { Name = "fields/" + name, Category = "fields", Body = Object(members), ExpectedCode = code, ExpectedField = field };
        BadInputCase Raw(string name, string body, string code, string? field) =>
            new() { Name = "fields/" + name, Category = "fields", Body = Utf8(body), ExpectedCode = code, ExpectedField = field };

        yield return Case("empty-object", [], "missing_field", PatientIdField);
        yield return Case("only-file_key", [(FileKeyField, key)], "missing_field", PatientIdField);
        yield return Case("only-patient_id", [(PatientIdField, patient)], "missing_field", FileKeyField);
        yield return Case("only-description", [(DescriptionField, description)], "missing_field", PatientIdField);
        yield return Case("only-accept", [(AcceptField, "true")], "missing_field", PatientIdField);
        yield return Case("duplicate-patient_id", [(PatientIdField, patient), (FileKeyField, key), (PatientIdField, patient)], "duplicate_field", PatientIdField);
        yield return Case("duplicate-patient_id-other-value", [(PatientIdField, patient), (PatientIdField, Text(CorpusDicom.OtherPatientId)), (FileKeyField, key)], "duplicate_field", PatientIdField);
        yield return Case("duplicate-file_key", [(PatientIdField, patient), (FileKeyField, key), (FileKeyField, Text("uploads/../imports/x"))], "duplicate_field", FileKeyField);
        yield return Case("duplicate-description", [(PatientIdField, patient), (DescriptionField, description), (DescriptionField, description), (FileKeyField, key)], "duplicate_field", DescriptionField);
        yield return Case("duplicate-accept", [(PatientIdField, patient), (AcceptField, "false"), (FileKeyField, key), (AcceptField, "true")], "duplicate_field", AcceptField);
        yield return Raw("duplicate-by-escape", "{\"patient_id\":" + patient + ",\"patient\\u005fid\":" + patient + ",\"file_key\":" + key + "}", "duplicate_field", PatientIdField);

        (string Name, string Expected)[] unknown =
        [
            ("patientId", "patientId"),
            ("Patient_ID", "Patient_ID"),
            ("fileKey", "fileKey"),
            ("__proto__", "__proto__"),
            ("study_id", "study_id"),
            ("status", "status"),
            ("s3_key", "s3_key"),
            ("file_key ", Unprintable),
            (string.Empty, Unprintable),
            (new string('x', 100), Unprintable),
            ("pätient_id", Unprintable),
            ("patient_id\u0000", Unprintable),
            ("patient_id\n", Unprintable),
            ("$where", Unprintable),
        ];
        foreach (var (name, expected) in unknown)
        {
            yield return new BadInputCase
            {
                Name = "fields/unknown/" + Printable(name),
                Category = "fields",
                Body = CorpusContext.Body(overrides: (name, "1")),
                ExpectedCode = "unknown_field",
                ExpectedField = expected,
            };
        }
    }

    private static IEnumerable<BadInputCase> FieldTypes()
    {
        (string Field, string[] Values)[] wrong =
        [
            (PatientIdField, ["12345", "1.5e300", "true", "false", "null", "[]", "[\"PHI-CORPUS-0001\"]", "{}", "{\"value\":\"PHI-CORPUS-0001\"}"]),
            (FileKeyField, ["1", "true", "null", "[]", "[\"uploads/corpus/base/roe_corpus_head.dcm\"]", "{}"]),
            (DescriptionField, ["1", "false", "null", "[]", "{}"]),
            (AcceptField, ["\"true\"", "\"false\"", "1", "0", "null", "[]", "{}", "\"yes\""]),
        ];
        foreach (var (field, values) in wrong)
        {
            foreach (var value in values)
            {
                yield return new BadInputCase
                {
                    Name = $"types/{field}/{value}",
                    Category = "field-types",
                    Body = CorpusContext.Body(overrides: (field, value)),
                    ExpectedCode = "invalid_field_type",
                    ExpectedField = field,
                };
            }
        }
    }

    private static IEnumerable<BadInputCase> PatientIds()
    {
        string[] values =
        [
            string.Empty,
            " ",
            new string('A', 65),
            "PHI CORPUS",
            "PHI_CORPUS",
            "PHI/CORPUS",
            "../etc/passwd",
            "PHI-CORPUS-0001\n",
            "PHI-CORPUS-0001 ",
            " PHI-CORPUS-0001",
            "Пациент-1",
            "😀",
            "P1;DROP TABLE",
            "P1%00",
            "P1\u0000",
            "ＰＨＩ",
            "P1'",
            "P1\"",
            "\t",
            new string('B', 10_000),
        ];
        for (var i = 0; i < values.Length; i++)
        {
            yield return new BadInputCase
            {
                Name = $"patient_id/{i:D2}",
                Category = "patient_id",
                Body = CorpusContext.Body(overrides: (PatientIdField, Text(values[i]))),
                ExpectedCode = "invalid_patient_id",
                ExpectedField = PatientIdField,
            };
        }

        // The same id with accept_patient_id_mismatch: a value the pattern lets through would be ingested.
        yield return new BadInputCase
        {
            Name = "patient_id/trailing-newline-with-accept",
            Category = "patient_id",
            Body = CorpusContext.Body(overrides: [(PatientIdField, Text("PHI-CORPUS-0001\n")), (AcceptField, "true")]),
            ExpectedCode = "invalid_patient_id",
            ExpectedField = PatientIdField,
        };
    }

    private static IEnumerable<BadInputCase> StudyDescriptions()
    {
        string[] values =
        [
            new string('a', 257),
            new string('a', 5000),
            "line1\nline2",
            "\t",
            "\u0000",
            "\u001b[31mred",
            "next\u0085line",
            "del\u007f",
            new string('é', 257),
        ];
        for (var i = 0; i < values.Length; i++)
        {
            yield return new BadInputCase
            {
                Name = $"study_description/{i:D2}",
                Category = "study_description",
                Body = CorpusContext.Body(overrides: (DescriptionField, Text(values[i]))),
                ExpectedCode = "invalid_study_description",
                ExpectedField = DescriptionField,
            };
        }
    }

    private static IEnumerable<BadInputCase> FileKeys()
    {
        string[] keys =
        [
            "uploads/../imports/x",
            "uploads/./a",
            "uploads/..",
            "uploads/.",
            "uploads/a/..",
            "uploads/a/../b.dcm",
            "uploads/a/./b.dcm",
            "uploads//a.dcm",
            "uploads/a//",
            "uploads/a\\b.dcm",
            "uploads\\a.dcm",
            "uploads/..\\..\\imports\\x",
            "uploads/a\u0001.dcm",
            "uploads/a\u0000.dcm",
            "uploads/a\n.dcm",
            "uploads/a\u007f.dcm",
            "uploads/a\u0085.dcm",
            "uploads/" + new string('a', 1017),
            "uploads/" + new string('€', 400),
            "uploads/" + new string('a', 5000),
            "imports/x.dcm",
            "imports/STUDY-0123456789ab/00001.dcm",
            "import-output/x",
            "/uploads/a.dcm",
            "Uploads/a.dcm",
            "UPLOADS/a.dcm",
            "uploads",
            "uploads/",
            string.Empty,
            "s3://bucket/uploads/a.dcm",
            "../uploads/a.dcm",
            "./uploads/a.dcm",
            " uploads/a.dcm",
            "upload/a.dcm",
            "uploadsx/a.dcm",
            "https://example.org/uploads/a.dcm",
        ];
        for (var i = 0; i < keys.Length; i++)
        {
            yield return new BadInputCase
            {
                Name = $"file_key/{i:D2}",
                Category = "file_key",
                Body = CorpusContext.Body(keys[i]),
                ExpectedCode = "invalid_file_key",
                ExpectedField = FileKeyField,
            };
        }
    }

    /// <summary>Pads a body with spaces inside the object (before the closing brace) to an exact length.</summary>
    private static byte[] PadTo(byte[] body, int length) =>
        [.. body[..^1], .. Enumerable.Repeat((byte)' ', length - body.Length), (byte)'}'];

    private static string Printable(string name) =>
        name.Length == 0 ? "(empty)" : name.Length > 20 ? name[..20] + "…" : string.Concat(name.Select(c => char.IsControl(c) ? '?' : c));
}
