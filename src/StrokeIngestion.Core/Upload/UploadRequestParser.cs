using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using StrokeIngestion.Core.Admission;
using StrokeIngestion.Core.Http;

namespace StrokeIngestion.Core.Upload;

/// <summary>
/// Turns an HTTP API event into an <see cref="UploadCommand"/> or the first <see cref="UploadError"/>
/// a client must fix. Pure: no I/O. The JSON is read token by token so that unknown,
/// duplicate and mistyped fields get an error naming them.
/// </summary>
public static partial class UploadRequestParser
{
    /// <summary>Largest accepted body; a valid request is a few hundred bytes.</summary>
    public const int MaxBodyBytes = 16 * 1024;

    /// <summary>In Unicode characters (code points, i.e. scalar values): a character outside the BMP counts once, not as two UTF-16 units.</summary>
    public const int MaxStudyDescriptionLength = 256;

    /// <summary>In bytes of UTF-8, S3's own limit for an object key.</summary>
    public const int MaxFileKeyBytes = 1024;

    /// <summary>Strict: a lone surrogate in a text body is refused, not replaced by U+FFFD.</summary>
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static bool TryParse(
        HttpApiRequest request,
        string uploadPrefix,
        [NotNullWhen(true)] out UploadCommand? command,
        [NotNullWhen(false)] out UploadError? error)
    {
        command = null;
        error = CheckContentType(request.Header("content-type"));
        if (error is not null)
        {
            return false;
        }

        var idempotencyKey = request.Header("idempotency-key");
        if (idempotencyKey is not null && !IdempotencyKeyPattern().IsMatch(idempotencyKey))
        {
            error = UploadErrors.InvalidIdempotencyKey();
            return false;
        }

        if (!TryDecodeBody(request, out var body, out error))
        {
            return false;
        }

        if (!TryReadFields(body, out var fields, out error))
        {
            return false;
        }

        error = Validate(fields, uploadPrefix);
        if (error is not null)
        {
            return false;
        }

        if (!StudyPriorities.TryParse(fields.Priority ?? StudyPriorities.UrgentValue, out var priority))
        {
            error = UploadErrors.InvalidPriority();
            return false;
        }

        command = new UploadCommand
        {
            PatientId = fields.PatientId!,
            StudyDescription = fields.StudyDescription ?? string.Empty,
            FileKey = fields.FileKey!,
            AcceptPatientIdMismatch = fields.AcceptMismatch ?? false,
            Priority = priority,
            IdempotencyKey = idempotencyKey,
            CallerIdentity = request.RequestContext?.Authorizer?.CallerIdentity,
            RequestId = request.RequestContext?.RequestId,
        };
        return true;
    }

    /// <summary>
    /// <c>application/json</c>, with no charset or <c>charset=utf-8</c> (any case, quoted or not).
    /// JSON between systems is UTF-8 (RFC 8259 §8.1): any other charset, even one whose bytes
    /// happen to decode, is refused rather than guessed at. Other parameters are ignored.
    /// </summary>
    private static UploadError? CheckContentType(string? contentType)
    {
        if (contentType is null)
        {
            return UploadErrors.UnsupportedMediaType();
        }

        var parts = contentType.Split(';');
        if (!string.Equals(parts[0].Trim(), "application/json", StringComparison.OrdinalIgnoreCase))
        {
            return UploadErrors.UnsupportedMediaType();
        }

        foreach (var parameter in parts.Skip(1))
        {
            var (name, value) = parameter.IndexOf('=') is var at and >= 0
                ? (parameter[..at].Trim(), parameter[(at + 1)..].Trim())
                : (parameter.Trim(), string.Empty);
            if (string.Equals(name, "charset", StringComparison.OrdinalIgnoreCase)
                && !string.Equals(Unquote(value), "utf-8", StringComparison.OrdinalIgnoreCase))
            {
                return UploadErrors.UnsupportedCharset();
            }
        }

        return null;

        static string Unquote(string value) =>
            value.Length >= 2 && value[0] == '"' && value[^1] == '"' ? value[1..^1] : value;
    }

    private static bool TryDecodeBody(HttpApiRequest request, out byte[] body, [NotNullWhen(false)] out UploadError? error)
    {
        body = [];
        error = null;
        if (string.IsNullOrEmpty(request.Body))
        {
            error = UploadErrors.MissingBody();
            return false;
        }

        if (request.IsBase64Encoded)
        {
            // Base64 inflates by 4/3: a body over the limit is refused before decoding it.
            if (request.Body.Length > (MaxBodyBytes + 2) / 3 * 4)
            {
                error = UploadErrors.PayloadTooLarge(MaxBodyBytes);
                return false;
            }

            try
            {
                body = Convert.FromBase64String(request.Body);
            }
            catch (FormatException)
            {
                error = UploadErrors.InvalidJson();
                return false;
            }
        }
        else
        {
            if (Encoding.UTF8.GetMaxByteCount(request.Body.Length) > MaxBodyBytes && Encoding.UTF8.GetByteCount(request.Body) > MaxBodyBytes)
            {
                error = UploadErrors.PayloadTooLarge(MaxBodyBytes);
                return false;
            }

            try
            {
                body = StrictUtf8.GetBytes(request.Body);
            }
            catch (EncoderFallbackException)
            {
                error = UploadErrors.InvalidEncoding();
                return false;
            }
        }

        if (body.Length > MaxBodyBytes)
        {
            error = UploadErrors.PayloadTooLarge(MaxBodyBytes);
            return false;
        }

        if (body.Length == 0)
        {
            error = UploadErrors.MissingBody();
            return false;
        }

        // Checked on the whole body, not left to the JSON reader: a string it never decodes
        // (a skipped value) would otherwise let invalid bytes through unnoticed.
        if (!System.Text.Unicode.Utf8.IsValid(body))
        {
            error = UploadErrors.InvalidEncoding();
            return false;
        }

        return true;
    }

    private static bool TryReadFields(byte[] body, out RawFields fields, [NotNullWhen(false)] out UploadError? error)
    {
        fields = new RawFields();
        error = null;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 8 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = UploadErrors.NotAnObject();
                return false;
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString() ?? string.Empty;
                if (!seen.Add(name))
                {
                    error = UploadErrors.DuplicateField(Printable(name));
                    return false;
                }

                reader.Read();
                error = name switch
                {
                    UploadErrors.PatientIdField => ReadString(ref reader, name, out fields.PatientId),
                    UploadErrors.StudyDescriptionField => ReadString(ref reader, name, out fields.StudyDescription),
                    UploadErrors.FileKeyField => ReadString(ref reader, name, out fields.FileKey),
                    UploadErrors.AcceptMismatchField => ReadBool(ref reader, name, out fields.AcceptMismatch),
                    UploadErrors.PriorityField => ReadString(ref reader, name, out fields.Priority),
                    _ => UploadErrors.UnknownField(Printable(name)),
                };
                if (error is not null)
                {
                    return false;
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                // Trailing content after the object (a second value) is not one JSON document.
                error = UploadErrors.InvalidJson();
                return false;
            }

            return true;
        }
        catch (JsonException)
        {
            error = UploadErrors.InvalidJson();
            return false;
        }
        catch (InvalidOperationException)
        {
            // GetString on a string whose escapes spell a lone surrogate ("\ud800"): not text.
            error = UploadErrors.InvalidJson();
            return false;
        }
    }

    private static UploadError? ReadString(ref Utf8JsonReader reader, string name, out string? value)
    {
        value = null;
        if (reader.TokenType != JsonTokenType.String)
        {
            reader.Skip();
            return UploadErrors.WrongType(name, "a string");
        }

        value = reader.GetString();
        return null;
    }

    private static UploadError? ReadBool(ref Utf8JsonReader reader, string name, out bool? value)
    {
        value = null;
        if (reader.TokenType is not (JsonTokenType.True or JsonTokenType.False))
        {
            reader.Skip();
            return UploadErrors.WrongType(name, "true or false");
        }

        value = reader.GetBoolean();
        return null;
    }

    private static UploadError? Validate(RawFields fields, string uploadPrefix)
    {
        if (fields.PatientId is null)
        {
            return UploadErrors.MissingField(UploadErrors.PatientIdField);
        }

        if (fields.FileKey is null)
        {
            return UploadErrors.MissingField(UploadErrors.FileKeyField);
        }

        if (!PatientIdPattern().IsMatch(fields.PatientId))
        {
            return UploadErrors.InvalidPatientId();
        }

        if (fields.StudyDescription is { } description
            && (CountCharacters(description) > MaxStudyDescriptionLength || description.Any(char.IsControl)))
        {
            return UploadErrors.InvalidStudyDescription(MaxStudyDescriptionLength);
        }

        return ValidateFileKey(fields.FileKey, uploadPrefix);
    }

    private static UploadError? ValidateFileKey(string key, string uploadPrefix)
    {
        string? reason = null;
        if (!key.StartsWith(uploadPrefix, StringComparison.Ordinal))
        {
            reason = "it must start with the upload prefix";
        }
        else if (key.Length == uploadPrefix.Length)
        {
            reason = "it names the whole upload area, not one object or folder";
        }
        else if (Encoding.UTF8.GetByteCount(key) > MaxFileKeyBytes)
        {
            reason = $"it must be at most {MaxFileKeyBytes} bytes in UTF-8";
        }
        else if (key.Any(char.IsControl))
        {
            reason = "it must not contain control characters";
        }
        else if (key.Contains("//", StringComparison.Ordinal))
        {
            reason = "it must not contain '//'";
        }
        else if (key.Split('/').Any(segment => segment is ".." or "."))
        {
            reason = "it must not contain '.' or '..' segments";
        }
        else if (key.Contains('\\', StringComparison.Ordinal))
        {
            reason = "it must not contain '\\'";
        }

        return reason is null ? null : UploadErrors.InvalidFileKey(uploadPrefix, reason);
    }

    /// <summary>
    /// Unicode characters (scalar values). The JSON reader never yields a lone surrogate, so
    /// every surrogate here is half of a pair that counts once.
    /// </summary>
    private static int CountCharacters(string text) => text.Length - text.Count(char.IsLowSurrogate);

    /// <summary>An unknown field's name is echoed only when it is short and plain; it is client text, not ours.</summary>
    private static string Printable(string name) =>
        FieldNamePattern().IsMatch(name) ? name : "(unprintable field name)";

    // \z, not $: in .NET, $ also matches before a final "\n", which let "P123\n" through.
    [GeneratedRegex(@"^[A-Za-z0-9-]{1,64}\z")]
    private static partial Regex PatientIdPattern();

    [GeneratedRegex(@"^[A-Za-z0-9._:-]{1,128}\z")]
    private static partial Regex IdempotencyKeyPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_.-]{1,64}\z")]
    private static partial Regex FieldNamePattern();

    private sealed class RawFields
    {
        public string? PatientId;
        public string? StudyDescription;
        public string? FileKey;
        public bool? AcceptMismatch;
        public string? Priority;
    }
}
