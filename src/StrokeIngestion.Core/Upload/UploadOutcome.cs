using StrokeIngestion.Core.Domain;

namespace StrokeIngestion.Core.Upload;

/// <summary>What an upload request came to: a study (new, resumed or duplicate) or an error for the client.</summary>
public sealed record UploadOutcome
{
    private UploadOutcome(Study? study, bool duplicate, UploadError? error)
    {
        Study = study;
        Duplicate = duplicate;
        Error = error;
    }

    /// <summary>The study the request maps to; null when rejected.</summary>
    public Study? Study { get; }

    /// <summary>True when a request without Idempotency-Key named an object version already ingested for that patient.</summary>
    public bool Duplicate { get; }

    public UploadError? Error { get; }

    public static UploadOutcome Accepted(Study study, bool duplicate = false) => new(study, duplicate, null);

    public static UploadOutcome Rejected(UploadError error) => new(null, false, error);
}
