namespace StrokeIngestion.Core.Upload;

/// <summary>
/// A refused upload: HTTP status, a stable snake_case code, a sentence naming the field,
/// and the field (null when the request as a whole is at fault). Messages never carry
/// request values (patient ids and file names are PHI) nor values read from DICOM files:
/// only field and attribute names, and our own limits and lists.
/// </summary>
public sealed record UploadError(int StatusCode, string Code, string Message, string? Field, TimeSpan? RetryAfter = null);

/// <summary>Every error the upload endpoint answers with. README lists these codes.</summary>
public static class UploadErrors
{
    public const string PatientIdField = "patient_id";
    public const string StudyDescriptionField = "study_description";
    public const string FileKeyField = "file_key";
    public const string AcceptMismatchField = "accept_patient_id_mismatch";
    public const string PriorityField = "priority";
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public static UploadError UnsupportedMediaType() =>
        new(415, "unsupported_media_type", "Content-Type must be application/json.", null);

    public static UploadError UnsupportedCharset() =>
        new(415, "unsupported_charset", "The Content-Type charset must be utf-8 (or left out): the body must be JSON encoded as UTF-8.", null);

    public static UploadError InvalidEncoding() =>
        new(400, "invalid_encoding", "The request body is not valid UTF-8; send the JSON encoded as UTF-8, not Latin-1, Windows-1252 or UTF-16.", null);

    public static UploadError PayloadTooLarge(int limit) =>
        new(413, "payload_too_large", $"The request body must be at most {limit} bytes.", null);

    public static UploadError MissingBody() =>
        new(400, "missing_body", "The request body is empty; send a JSON object with patient_id and file_key.", null);

    public static UploadError InvalidJson() =>
        new(400, "invalid_json", "The request body is not valid UTF-8 JSON.", null);

    public static UploadError NotAnObject() =>
        new(400, "invalid_body", "The request body must be a JSON object.", null);

    public static UploadError UnknownField(string field) =>
        new(400, "unknown_field", $"The field '{field}' is not accepted; allowed fields are patient_id, study_description, file_key, accept_patient_id_mismatch and priority.", field);

    public static UploadError DuplicateField(string field) =>
        new(400, "duplicate_field", $"The field '{field}' appears more than once.", field);

    public static UploadError MissingField(string field) =>
        new(400, "missing_field", $"The field '{field}' is required.", field);

    public static UploadError WrongType(string field, string expected) =>
        new(400, "invalid_field_type", $"The field '{field}' must be {expected}.", field);

    public static UploadError InvalidPatientId() =>
        new(400, "invalid_patient_id", "The field 'patient_id' must be 1 to 64 ASCII letters, digits or '-'.", PatientIdField);

    /// <param name="maxLength">In Unicode characters (code points): an emoji outside the BMP counts as one.</param>
    public static UploadError InvalidStudyDescription(int maxLength) =>
        new(400, "invalid_study_description", $"The field 'study_description' must be at most {maxLength} Unicode characters (code points) without control characters.", StudyDescriptionField);

    public static UploadError InvalidFileKey(string uploadPrefix, string reason) =>
        new(400, "invalid_file_key", $"The field 'file_key' must name an object or folder under '{uploadPrefix}': {reason}.", FileKeyField);

    public static UploadError InvalidPriority() =>
        new(400, "invalid_priority", "The field 'priority' must be \"urgent\" (the default) or \"routine\".", PriorityField);

    public static UploadError InvalidIdempotencyKey() =>
        new(400, "invalid_idempotency_key", "The Idempotency-Key header must be 1 to 128 characters of letters, digits, '-', '_', '.' or ':'.", IdempotencyKeyHeader);

    public static UploadError IdempotencyKeyReused() =>
        new(422, "idempotency_key_reused", "This Idempotency-Key was already used with a different request body; use a new key for a new upload.", IdempotencyKeyHeader);

    public static UploadError ObjectNotFound(bool folder) => folder
        ? new(404, "object_not_found", "No objects were found under the folder named by 'file_key'.", FileKeyField)
        : new(404, "object_not_found", "The object named by 'file_key' does not exist in the upload bucket.", FileKeyField);

    public static UploadError EmptyObject() =>
        new(422, "empty_object", "An object named by 'file_key' is empty (0 bytes).", FileKeyField);

    public static UploadError ObjectTooLarge(long maxBytes) =>
        new(422, "object_too_large", $"An object named by 'file_key' is larger than {maxBytes} bytes.", FileKeyField);

    public static UploadError TooManyFiles(int maxFiles) =>
        new(422, "too_many_files", $"The folder named by 'file_key' holds more than {maxFiles} objects, the HealthImaging per-import limit.", FileKeyField);

    public static UploadError StudyTooLarge(long maxBytes) =>
        new(422, "study_too_large", $"The objects under 'file_key' add up to more than {maxBytes} bytes, the HealthImaging per-import limit.", FileKeyField);

    public static UploadError NotDicom() =>
        new(422, "not_dicom", "An object named by 'file_key' is not a DICOM Part 10 file (no 'DICM' marker at byte 128).", FileKeyField);

    public static UploadError MalformedDicom(string problem) =>
        new(422, "malformed_dicom", $"An object named by 'file_key' has a damaged DICOM header ({problem}).", FileKeyField);

    public static UploadError MissingDicomIdentifiers() =>
        new(422, "missing_dicom_identifiers", "An object named by 'file_key' lacks a StudyInstanceUID, SeriesInstanceUID or SOPInstanceUID.", FileKeyField);

    public static UploadError UnsupportedTransferSyntax() =>
        new(422, "unsupported_transfer_syntax", "An object named by 'file_key' uses a transfer syntax (0002,0010) that HealthImaging does not import; README lists the ones it does.", FileKeyField);

    /// <param name="allowed">The configured modalities (our settings, not the file's value, which is never repeated).</param>
    public static UploadError UnsupportedModality(IEnumerable<string> allowed) =>
        new(422, "unsupported_modality", $"An object named by 'file_key' has no Modality (0008,0060) or one other than {string.Join(", ", allowed)}.", FileKeyField);

    public static UploadError MixedStudies() =>
        new(422, "mixed_studies", "The objects under 'file_key' belong to more than one DICOM study (StudyInstanceUID); upload one study per request.", FileKeyField);

    /// <param name="attribute">The DICOM keyword that disagrees, e.g. <c>PatientID</c>; never its values.</param>
    public static UploadError MultiplePatients(string attribute) =>
        new(422, "multiple_patients", $"The objects under 'file_key' disagree on the DICOM {attribute}: one study must hold one patient, and accept_patient_id_mismatch does not apply. Upload each patient's files separately.", FileKeyField);

    public static UploadError PatientIdMismatch() =>
        new(422, "patient_id_mismatch", "The DICOM PatientID of an object named by 'file_key' differs from 'patient_id'; set accept_patient_id_mismatch to true to ingest anyway.", PatientIdField);

    public static UploadError InvalidStudyId() =>
        new(400, "invalid_study_id", "The path's study id must be STUDY- followed by 12 lower-case hex digits.", "study_id");

    public static UploadError StudyNotFound() =>
        new(404, "study_not_found", "No study with this id was submitted by this caller.", "study_id");

    public static UploadError Throttled(TimeSpan retryAfter) =>
        new(503, "dependency_throttled", "A downstream service is throttling requests; retry after the Retry-After interval with the same Idempotency-Key.", null, retryAfter);

    public static UploadError Unavailable(TimeSpan retryAfter) =>
        new(503, "dependency_unavailable", "A downstream service is temporarily unavailable; retry after the Retry-After interval with the same Idempotency-Key.", null, retryAfter);

    public static UploadError DependencyFailed() =>
        new(502, "dependency_failed", "A downstream service refused the request; the study was recorded as UPLOAD_FAILED. Contact the platform team if this persists.", null);

    public static UploadError Internal() =>
        new(500, "internal_error", "An unexpected error occurred; retry with the same Idempotency-Key.", null);
}
