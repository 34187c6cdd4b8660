using StrokeIngestion.Core.Upload;

namespace StrokeIngestion.Core.Tests.Upload;

public sealed class UploadRequestParserTests
{
    private const string Prefix = "uploads/";

    private static (UploadCommand? Command, UploadError? Error) Parse(HttpApiRequestBuilder builder)
    {
        UploadRequestParser.TryParse(builder.Build(), Prefix, out var command, out var error);
        return (command, error);
    }

    private static UploadError Rejected(HttpApiRequestBuilder builder)
    {
        var (command, error) = Parse(builder);
        Assert.Null(command);
        return Assert.IsType<UploadError>(error);
    }

    [Fact]
    public void TryParse_WhenSeedRequest_ShouldReturnCommandWithCallerAndFields()
    {
        var (command, error) = Parse(new HttpApiRequestBuilder().WithHeader("idempotency-key", "retry-1"));

        Assert.Null(error);
        Assert.NotNull(command);
        Assert.Equal("P123456", command.PatientId);
        Assert.Equal("Brain CT - Suspected Stroke", command.StudyDescription);
        Assert.Equal("uploads/brain_scan.dcm", command.FileKey);
        Assert.False(command.AcceptPatientIdMismatch);
        Assert.Equal("retry-1", command.IdempotencyKey);
        Assert.Equal("arn:aws:iam::111122223333:user/clinician-tool", command.CallerIdentity);
        Assert.False(command.IsFolder);
    }

    [Fact]
    public void TryParse_WhenBodyIsBase64Encoded_ShouldDecodeIt()
    {
        var (command, _) = Parse(new HttpApiRequestBuilder().Base64Encoded());

        Assert.Equal("P123456", command?.PatientId);
    }

    [Fact]
    public void TryParse_WhenFolderKeyAndMismatchAccepted_ShouldKeepBoth()
    {
        var (command, _) = Parse(new HttpApiRequestBuilder().WithFields(fileKey: "uploads/study-7/", acceptMismatch: true));

        Assert.True(command?.IsFolder);
        Assert.True(command?.AcceptPatientIdMismatch);
    }

    [Fact]
    public void TryParse_WhenDescriptionOmitted_ShouldDefaultToEmpty()
    {
        var (command, _) = Parse(new HttpApiRequestBuilder().WithFields(description: null));

        Assert.Equal(string.Empty, command?.StudyDescription);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    public void TryParse_WhenContentTypeIsNotJson_ShouldAnswer415(string? contentType)
    {
        var error = Rejected(new HttpApiRequestBuilder().WithHeader("content-type", contentType));

        Assert.Equal((415, "unsupported_media_type"), (error.StatusCode, error.Code));
    }

    [Theory]
    [InlineData("Application/JSON; charset=utf-8")]
    [InlineData("application/json;charset=UTF-8")]
    [InlineData("application/json; charset=\"utf-8\"")]
    [InlineData("application/json; profile=x; charset=utf-8")]
    [InlineData("application/json; version")]
    public void TryParse_WhenContentTypeHasUtf8CharsetOrOtherParameters_ShouldAccept(string contentType)
    {
        var (command, _) = Parse(new HttpApiRequestBuilder().WithHeader("content-type", contentType));

        Assert.NotNull(command);
    }

    [Theory]
    [InlineData("application/json; charset=windows-1252")]
    [InlineData("application/json; charset=cp1252")]
    [InlineData("application/json; charset=iso-8859-1")]
    [InlineData("application/json; charset=latin1")]
    [InlineData("application/json; charset=utf-16")]
    [InlineData("application/json; charset=UTF-16LE")]
    [InlineData("application/json; charset=utf-32")]
    [InlineData("application/json; charset=us-ascii")]
    [InlineData("application/json; charset=utf8")]
    [InlineData("application/json; charset=")]
    [InlineData("application/json; charset")]
    [InlineData("application/json; charset=utf-8; charset=latin1")]
    public void TryParse_WhenCharsetIsNotUtf8_ShouldAnswer415UnsupportedCharset(string contentType)
    {
        // The body itself is plain ASCII: the charset alone is refused, nothing is guessed.
        var error = Rejected(new HttpApiRequestBuilder().WithHeader("content-type", contentType));

        Assert.Equal((415, "unsupported_charset", null), (error.StatusCode, error.Code, error.Field));
    }

    [Theory]
    [InlineData("latin-1")]
    [InlineData("cp1252")]
    [InlineData("utf-16le-bom")]
    [InlineData("utf-16be-bom")]
    [InlineData("utf-16le-non-ascii")]
    public void TryParse_WhenBodyIsLegacyOrUtf16Encoded_ShouldAnswer400InvalidEncoding(string encoding)
    {
        var text = "{\"patient_id\":\"P1\",\"file_key\":\"uploads/a.dcm\",\"study_description\":\"Hémorragie “aiguë” €\"}";
        var bytes = encoding switch
        {
            "latin-1" => System.Text.Encoding.Latin1.GetBytes(text.Replace('“', '«').Replace('”', '»').Replace('€', '¤')),
            "cp1252" => Cp1252(text),
            "utf-16le-bom" => [.. System.Text.Encoding.Unicode.GetPreamble(), .. System.Text.Encoding.Unicode.GetBytes(text)],
            "utf-16be-bom" => [.. System.Text.Encoding.BigEndianUnicode.GetPreamble(), .. System.Text.Encoding.BigEndianUnicode.GetBytes(text)],
            _ => System.Text.Encoding.Unicode.GetBytes(text),
        };

        var error = Rejected(new HttpApiRequestBuilder().WithBytes(bytes));

        Assert.Equal((400, "invalid_encoding", null), (error.StatusCode, error.Code, error.Field));
    }

    [Fact]
    public void TryParse_WhenUtf16BodyIsAsciiOnlyWithoutBom_ShouldAnswer400InvalidJson()
    {
        // Every byte is valid UTF-8 (ASCII and NUL), so the body is refused as what it is in UTF-8: not JSON.
        var bytes = System.Text.Encoding.Unicode.GetBytes("{\"patient_id\":\"P1\",\"file_key\":\"uploads/a.dcm\"}");

        var error = Rejected(new HttpApiRequestBuilder().WithBytes(bytes));

        Assert.Equal((400, "invalid_json"), (error.StatusCode, error.Code));
    }

    [Fact]
    public void TryParse_WhenTextBodyHoldsALoneSurrogate_ShouldAnswer400InvalidEncodingNotReplaceIt()
    {
        var error = Rejected(new HttpApiRequestBuilder().WithBody("{\"patient_id\":\"P1\",\"file_key\":\"uploads/a.dcm\",\"study_description\":\"a\ud800b\"}"));

        Assert.Equal((400, "invalid_encoding"), (error.StatusCode, error.Code));
    }

    [Fact]
    public void TryParse_WhenInvalidUtf8SitsInAValueThatIsNeverDecoded_ShouldStillAnswerInvalidEncoding()
    {
        // accept_patient_id_mismatch's wrong-typed value is skipped, not decoded, by the JSON reader.
        var bytes = "{\"patient_id\":\"P1\",\"file_key\":\"uploads/a.dcm\",\"accept_patient_id_mismatch\":[\"x\"]}"u8.ToArray();
        var at = Array.IndexOf(bytes, (byte)'[') + 2;
        byte[] body = [.. bytes[..at], 0xE9, .. bytes[at..]];

        var error = Rejected(new HttpApiRequestBuilder().WithBytes(body));

        Assert.Equal("invalid_encoding", error.Code);
    }

    [Fact]
    public void TryParse_WhenDescriptionHasAccentsInUtf8_ShouldKeepThemExactly()
    {
        var (command, _) = Parse(new HttpApiRequestBuilder().WithBytes(System.Text.Encoding.UTF8.GetBytes(
            "{\"patient_id\":\"P1\",\"file_key\":\"uploads/a.dcm\",\"study_description\":\"Hémorragie “aiguë” € 🧠\"}")));

        Assert.Equal("Hémorragie “aiguë” € 🧠", command?.StudyDescription);
    }

    private static byte[] Cp1252(string text)
    {
        // Windows-1252 without the code-pages provider: Latin-1 plus the three 0x80-0x9F characters used here.
        return [.. text.Select(c => c switch
        {
            '€' => (byte)0x80,
            '“' => (byte)0x93,
            '”' => (byte)0x94,
            _ => (byte)c,
        })];
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void TryParse_WhenBodyMissing_ShouldAnswer400MissingBody(string? body)
    {
        var error = Rejected(new HttpApiRequestBuilder().WithBody(body));

        Assert.Equal((400, "missing_body"), (error.StatusCode, error.Code));
    }

    [Fact]
    public void TryParse_WhenBodyOverLimit_ShouldAnswer413()
    {
        var huge = "{\"patient_id\":\"P1\",\"file_key\":\"uploads/a.dcm\",\"study_description\":\"" + new string('a', UploadRequestParser.MaxBodyBytes) + "\"}";

        var error = Rejected(new HttpApiRequestBuilder().WithBody(huge));

        Assert.Equal((413, "payload_too_large"), (error.StatusCode, error.Code));
    }

    [Fact]
    public void TryParse_WhenBase64BodyOverLimit_ShouldAnswer413()
    {
        var huge = "{\"x\":\"" + new string('a', UploadRequestParser.MaxBodyBytes * 2) + "\"}";

        var error = Rejected(new HttpApiRequestBuilder().WithBody(huge).Base64Encoded());

        Assert.Equal(413, error.StatusCode);
    }

    [Theory]
    [InlineData("{")]
    [InlineData("{\"patient_id\": }")]
    [InlineData("not json")]
    [InlineData("{\"patient_id\":\"P1\",\"file_key\":\"uploads/a.dcm\"} {}")]
    [InlineData("{\"patient_id\":\"P1\",\"file_key\":\"uploads/a.dcm\",}")]
    public void TryParse_WhenBodyIsNotJson_ShouldAnswer400InvalidJson(string body)
    {
        var error = Rejected(new HttpApiRequestBuilder().WithBody(body));

        Assert.Equal((400, "invalid_json"), (error.StatusCode, error.Code));
    }

    [Fact]
    public void TryParse_WhenBodyIsInvalidUtf8_ShouldAnswer400InvalidEncoding()
    {
        var bytes = "{\"patient_id\":\"P1\",\"file_key\":\"uploads/a.dcm\"}"u8.ToArray();
        bytes[16] = 0xFF;
        var request = new HttpApiRequestBuilder().WithBody(Convert.ToBase64String(bytes)).Build() with { IsBase64Encoded = true };

        UploadRequestParser.TryParse(request, Prefix, out _, out var error);

        Assert.Equal("invalid_encoding", error?.Code);
    }

    [Fact]
    public void TryParse_WhenBase64IsBroken_ShouldAnswer400InvalidJson()
    {
        var request = new HttpApiRequestBuilder().Build() with { Body = "%%%not-base64", IsBase64Encoded = true };

        UploadRequestParser.TryParse(request, Prefix, out _, out var error);

        Assert.Equal("invalid_json", error?.Code);
    }

    [Fact]
    public void TryParse_WhenDeeplyNested_ShouldAnswer400WithoutThrowing()
    {
        var body = "{\"patient_id\":" + new string('[', 1_000) + new string(']', 1_000) + "}";

        var error = Rejected(new HttpApiRequestBuilder().WithBody(body));

        Assert.Equal(400, error.StatusCode);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"text\"")]
    [InlineData("42")]
    [InlineData("null")]
    public void TryParse_WhenBodyIsNotAnObject_ShouldAnswer400InvalidBody(string body)
    {
        var error = Rejected(new HttpApiRequestBuilder().WithBody(body));

        Assert.Equal((400, "invalid_body"), (error.StatusCode, error.Code));
    }

    [Fact]
    public void TryParse_WhenUnknownField_ShouldNameIt()
    {
        var error = Rejected(new HttpApiRequestBuilder().WithBody("{\"patient_id\":\"P1\",\"file_key\":\"uploads/a.dcm\",\"urgency\":\"high\"}"));

        Assert.Equal(("unknown_field", "urgency"), (error.Code, error.Field));
        Assert.Contains("urgency", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_WhenUnknownFieldNameIsNotPlain_ShouldNotEchoIt()
    {
        var error = Rejected(new HttpApiRequestBuilder().WithBody("{\"patient_id\":\"P1\",\"file_key\":\"uploads/a.dcm\",\"John Smith <script>\":1}"));

        Assert.Equal("unknown_field", error.Code);
        Assert.DoesNotContain("John", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_WhenFieldRepeated_ShouldAnswerDuplicateField()
    {
        var error = Rejected(new HttpApiRequestBuilder().WithBody("{\"patient_id\":\"P1\",\"patient_id\":\"P2\",\"file_key\":\"uploads/a.dcm\"}"));

        Assert.Equal(("duplicate_field", "patient_id"), (error.Code, error.Field));
    }

    [Theory]
    [InlineData("patient_id")]
    [InlineData("file_key")]
    public void TryParse_WhenRequiredFieldMissing_ShouldNameIt(string field)
    {
        var builder = field == "patient_id"
            ? new HttpApiRequestBuilder().WithFields(patientId: null)
            : new HttpApiRequestBuilder().WithFields(fileKey: null);

        var error = Rejected(builder);

        Assert.Equal(("missing_field", field), (error.Code, error.Field));
    }

    [Theory]
    [InlineData("{\"patient_id\":123456,\"file_key\":\"uploads/a.dcm\"}", "patient_id")]
    [InlineData("{\"patient_id\":null,\"file_key\":\"uploads/a.dcm\"}", "patient_id")]
    [InlineData("{\"patient_id\":\"P1\",\"file_key\":[\"uploads/a.dcm\"]}", "file_key")]
    [InlineData("{\"patient_id\":\"P1\",\"file_key\":\"uploads/a.dcm\",\"study_description\":{\"a\":1}}", "study_description")]
    [InlineData("{\"patient_id\":\"P1\",\"file_key\":\"uploads/a.dcm\",\"accept_patient_id_mismatch\":\"yes\"}", "accept_patient_id_mismatch")]
    public void TryParse_WhenFieldHasWrongType_ShouldNameIt(string body, string field)
    {
        var error = Rejected(new HttpApiRequestBuilder().WithBody(body));

        Assert.Equal(("invalid_field_type", field), (error.Code, error.Field));
    }

    [Theory]
    [InlineData("")]
    [InlineData("P 123")]
    [InlineData("P123;DROP")]
    [InlineData("Pé123")]
    [InlineData("../P1")]
    public void TryParse_WhenPatientIdOutsidePattern_ShouldRejectWithoutEchoingIt(string patientId)
    {
        var error = Rejected(new HttpApiRequestBuilder().WithFields(patientId: patientId));

        Assert.Equal(("invalid_patient_id", "patient_id"), (error.Code, error.Field));
        if (patientId.Length > 0)
        {
            Assert.DoesNotContain(patientId, error.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TryParse_WhenPatientIdEndsWithNewline_ShouldRejectIt(bool acceptMismatch)
    {
        // A pattern anchored with $ matches before a final newline: with the mismatch override
        // such an id was ingested, and the study and its patient-index entry carried it.
        var error = Rejected(new HttpApiRequestBuilder().WithFields(patientId: "P123456\n", acceptMismatch: acceptMismatch));

        Assert.Equal(("invalid_patient_id", "patient_id"), (error.Code, error.Field));
    }

    [Fact]
    public void TryParse_WhenUnknownFieldNameEndsWithNewline_ShouldNotEchoIt()
    {
        var error = Rejected(new HttpApiRequestBuilder().WithBody("{\"patient_id\":\"P1\",\"file_key\":\"uploads/a.dcm\",\"urgency\\n\":1}"));

        Assert.Equal(("unknown_field", "(unprintable field name)"), (error.Code, error.Field));
        Assert.DoesNotContain("urgency", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_WhenIdempotencyKeyEndsWithNewline_ShouldReject()
    {
        var error = Rejected(new HttpApiRequestBuilder().WithHeader("idempotency-key", "retry-1\n"));

        Assert.Equal(("invalid_idempotency_key", "Idempotency-Key"), (error.Code, error.Field));
    }

    [Fact]
    public void TryParse_WhenPatientIdIs64Chars_ShouldAcceptAnd65ShouldNot()
    {
        Assert.NotNull(Parse(new HttpApiRequestBuilder().WithFields(patientId: new string('A', 64))).Command);
        Assert.Equal("invalid_patient_id", Rejected(new HttpApiRequestBuilder().WithFields(patientId: new string('A', 65))).Code);
    }

    [Theory]
    [InlineData("line\nbreak")]
    [InlineData("tab\there")]
    [InlineData("bell\u0007")]
    public void TryParse_WhenDescriptionHasControlCharacters_ShouldReject(string description)
    {
        var error = Rejected(new HttpApiRequestBuilder().WithFields(description: description));

        Assert.Equal(("invalid_study_description", "study_description"), (error.Code, error.Field));
    }

    [Fact]
    public void TryParse_WhenDescriptionTooLong_ShouldReject()
    {
        var error = Rejected(new HttpApiRequestBuilder().WithFields(description: new string('d', UploadRequestParser.MaxStudyDescriptionLength + 1)));

        Assert.Equal("invalid_study_description", error.Code);
    }

    [Theory]
    [InlineData("🧠", 256, true)]
    [InlineData("🧠", 257, false)]
    [InlineData("𝔸", 255, true)]
    [InlineData("𠀀", 129, true)]
    [InlineData("😀", 1, true)]
    [InlineData("é", 256, true)]
    [InlineData("é", 257, false)]
    public void TryParse_WhenDescriptionHasCharactersOutsideTheBmp_ShouldCountEachOnce(string character, int count, bool accepted)
    {
        var description = string.Concat(Enumerable.Repeat(character, count));

        var (command, error) = Parse(new HttpApiRequestBuilder().WithFields(description: description));

        if (accepted)
        {
            Assert.Equal(description, command?.StudyDescription);
        }
        else
        {
            Assert.Equal("invalid_study_description", error?.Code);
            Assert.Contains("256 Unicode characters", error?.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TryParse_WhenDescriptionMixesBmpAndAstralAtTheLimit_ShouldAcceptAndOneMoreShouldNot()
    {
        var atLimit = new string('a', 200) + string.Concat(Enumerable.Repeat("🧠", 56));

        Assert.NotNull(Parse(new HttpApiRequestBuilder().WithFields(description: atLimit)).Command);
        Assert.Equal("invalid_study_description", Rejected(new HttpApiRequestBuilder().WithFields(description: atLimit + "a")).Code);
    }

    [Theory]
    [InlineData("🧠", 254, true)]
    [InlineData("🧠", 255, false)]
    [InlineData("€", 338, true)]
    [InlineData("€", 339, false)]
    public void TryParse_WhenFileKeyHasMultiByteCharacters_ShouldCountUtf8Bytes(string character, int count, bool accepted)
    {
        // "uploads/" is 8 bytes; 🧠 is 4 bytes of UTF-8 and € is 3: the limit is S3's 1024 bytes.
        var key = Prefix + string.Concat(Enumerable.Repeat(character, count));

        var (command, error) = Parse(new HttpApiRequestBuilder().WithFields(fileKey: key));

        if (accepted)
        {
            Assert.Equal(key, command?.FileKey);
        }
        else
        {
            Assert.Equal("invalid_file_key", error?.Code);
            Assert.Contains("1024 bytes in UTF-8", error?.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("🧠")]
    [InlineData("P🧠1")]
    public void TryParse_WhenPatientIdHasAstralCharacters_ShouldReject(string patientId)
    {
        Assert.Equal("invalid_patient_id", Rejected(new HttpApiRequestBuilder().WithFields(patientId: patientId)).Code);
    }

    [Theory]
    [InlineData("brain_scan.dcm")]
    [InlineData("imports/STUDY-0123456789ab/00001.dcm")]
    [InlineData("/uploads/a.dcm")]
    [InlineData("uploads/")]
    [InlineData("uploads/../imports/a.dcm")]
    [InlineData("uploads/./a.dcm")]
    [InlineData("uploads//a.dcm")]
    [InlineData("uploads/a\u0000.dcm")]
    [InlineData("uploads/a\n.dcm")]
    [InlineData("uploads\\..\\a.dcm")]
    public void TryParse_WhenFileKeyUnsafe_ShouldRejectNamingFileKey(string fileKey)
    {
        var error = Rejected(new HttpApiRequestBuilder().WithFields(fileKey: fileKey));

        Assert.Equal((400, "invalid_file_key", "file_key"), (error.StatusCode, error.Code, error.Field));
        if (fileKey != Prefix)
        {
            Assert.DoesNotContain(fileKey, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TryParse_WhenFileKeyOver1024Bytes_ShouldReject()
    {
        var error = Rejected(new HttpApiRequestBuilder().WithFields(fileKey: "uploads/" + new string('é', 510)));

        Assert.Equal("invalid_file_key", error.Code);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("semi;colon")]
    public void TryParse_WhenIdempotencyKeyInvalid_ShouldReject(string key)
    {
        var error = Rejected(new HttpApiRequestBuilder().WithHeader("idempotency-key", key));

        Assert.Equal(("invalid_idempotency_key", "Idempotency-Key"), (error.Code, error.Field));
    }

    [Fact]
    public void TryParse_WhenIdempotencyKeyOver128_ShouldReject()
    {
        Assert.NotNull(Parse(new HttpApiRequestBuilder().WithHeader("idempotency-key", new string('k', 128))).Command);
        Assert.Equal("invalid_idempotency_key", Rejected(new HttpApiRequestBuilder().WithHeader("idempotency-key", new string('k', 129))).Code);
    }

    [Fact]
    public void Fingerprint_WhenAnyMeaningfulFieldDiffers_ShouldDiffer()
    {
        var command = Assert.IsType<UploadCommand>(Parse(new HttpApiRequestBuilder()).Command);

        Assert.Equal(command.Fingerprint(), (command with { IdempotencyKey = "other", RequestId = "r2" }).Fingerprint());
        Assert.NotEqual(command.Fingerprint(), (command with { PatientId = "P999" }).Fingerprint());
        Assert.NotEqual(command.Fingerprint(), (command with { FileKey = "uploads/other.dcm" }).Fingerprint());
        Assert.NotEqual(command.Fingerprint(), (command with { StudyDescription = "x" }).Fingerprint());
        Assert.NotEqual(command.Fingerprint(), (command with { AcceptPatientIdMismatch = true }).Fingerprint());
    }
}
