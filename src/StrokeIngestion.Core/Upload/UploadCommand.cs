using System.Security.Cryptography;
using System.Text;
using StrokeIngestion.Core.Admission;

namespace StrokeIngestion.Core.Upload;

/// <summary>A syntactically valid upload request.</summary>
public sealed record UploadCommand
{
    /// <summary>PHI.</summary>
    public required string PatientId { get; init; }

    public required string StudyDescription { get; init; }

    /// <summary>An object key, or a folder key ending in '/', under the upload prefix.</summary>
    public required string FileKey { get; init; }

    /// <summary>
    /// Ingest although the files' one DICOM PatientID differs from <see cref="PatientId"/> (a
    /// site's own id format). Never admits files of two patients: see <c>StudyPatient</c>.
    /// </summary>
    public bool AcceptPatientIdMismatch { get; init; }

    /// <summary>Urgent (the default) studies start before any routine one and have job slots of their own.</summary>
    public StudyPriority Priority { get; init; } = StudyPriority.Urgent;

    public string? IdempotencyKey { get; init; }

    /// <summary>The authenticated caller (IAM ARN or JWT subject); null when the API has no authorizer (local use).</summary>
    public string? CallerIdentity { get; init; }

    public string? RequestId { get; init; }

    public bool IsFolder => FileKey.EndsWith('/');

    /// <summary>SHA-256 (hex) of the request's meaning: a retry with the same Idempotency-Key must match it.</summary>
    public string Fingerprint()
    {
        var canonical = string.Join('\n', PatientId, StudyDescription, FileKey, AcceptPatientIdMismatch ? "1" : "0");
        if (Priority == StudyPriority.Routine)
        {
            // Appended only when not the default, so fingerprints stored before the field existed still match.
            canonical += "\nroutine";
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }
}
