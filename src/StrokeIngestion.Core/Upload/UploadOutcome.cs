using StrokeIngestion.Core.Admission;
using StrokeIngestion.Core.Domain;

namespace StrokeIngestion.Core.Upload;

/// <summary>What an upload request came to: a study (new, resumed or duplicate) or an error for the client.</summary>
public sealed record UploadOutcome
{
    private UploadOutcome(Study? study, bool duplicate, UploadError? error, QueueEstimate? estimate = null)
    {
        Study = study;
        Duplicate = duplicate;
        Error = error;
        Estimate = estimate;
    }

    /// <summary>The study the request maps to; null when rejected.</summary>
    public Study? Study { get; }

    /// <summary>True when a request without Idempotency-Key named an object version already ingested for that patient.</summary>
    public bool Duplicate { get; }

    public UploadError? Error { get; }

    /// <summary>Place in line and estimated start, for a queued study whose backlog could be read.</summary>
    public QueueEstimate? Estimate { get; }

    public static UploadOutcome Accepted(Study study, bool duplicate = false, QueueEstimate? estimate = null) => new(study, duplicate, null, estimate);

    public static UploadOutcome Rejected(UploadError error) => new(null, false, error);
}
