using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Observability;
using StrokeIngestion.Core.Upload;

namespace StrokeIngestion.Core.Http;

/// <summary>
/// POST /upload over HTTP API payload 2.0: parses the request, runs the upload use case and
/// shapes the JSON response. Logs one line per request with ids, outcome and duration only.
/// </summary>
public sealed class UploadEndpoint
{
    private readonly UploadService _service;
    private readonly string _uploadPrefix;
    private readonly StructuredLog _log;

    public UploadEndpoint(UploadService service, string uploadPrefix, StructuredLog log)
    {
        _service = service;
        _uploadPrefix = uploadPrefix;
        _log = log;
    }

    /// <summary>Never throws for a client's input; an unexpected exception becomes a 500 without details.</summary>
    public async Task<HttpApiResponse> HandleAsync(HttpApiRequest request, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var requestId = request.RequestContext?.RequestId;
        UploadOutcome outcome;
        try
        {
            outcome = UploadRequestParser.TryParse(request, _uploadPrefix, out var command, out var error)
                ? await _service.StartAsync(command, cancellationToken)
                : UploadOutcome.Rejected(error);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _log.Error("upload failed unexpectedly", new("request_id", requestId), new("error_type", ex.GetType().Name));
            outcome = UploadOutcome.Rejected(UploadErrors.Internal());
        }

        var response = ToResponse(outcome);
        _log.Info(
            "upload handled",
            new("request_id", requestId),
            new("study_id", outcome.Study?.StudyId.Value),
            new("status_code", response.StatusCode),
            new("outcome", outcome.Error?.Code ?? (outcome.Duplicate ? "duplicate" : "accepted")),
            new("study_status", outcome.Study?.Status),
            new("file_count", outcome.Study?.FileCount),
            new("duration_ms", Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 1)));
        return response;
    }

    /// <summary>The HTTP response for an outcome: 202 accepted, 200 duplicate, or the error envelope.</summary>
    public static HttpApiResponse ToResponse(UploadOutcome outcome)
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal) { ["Content-Type"] = "application/json" };
        if (outcome.Error is { } error)
        {
            if (error.RetryAfter is { } retryAfter)
            {
                headers["Retry-After"] = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            }

            return new HttpApiResponse
            {
                StatusCode = error.StatusCode,
                Headers = headers,
                Body = JsonSerializer.Serialize(new ErrorEnvelope(new ErrorDetail(error.Code, error.Message, error.Field)), HttpJsonContext.Default.ErrorEnvelope),
            };
        }

        var study = outcome.Study ?? throw new InvalidOperationException("An accepted outcome carries its study.");
        var body = new UploadAcceptedBody
        {
            Message = outcome.Duplicate ? "Study already ingested for this object" : study.Status == StudyStatus.Queued ? "DICOM ingestion queued" : "DICOM ingestion started",
            StudyId = study.StudyId.Value,
            ImportJobId = study.ImportJobId,
            Status = ClientStatus(study.Status),
            ExecutionArn = study.ExecutionArn,
            Duplicate = outcome.Duplicate,
            Priority = study.Status == StudyStatus.Queued ? study.Priority : null,
            QueuePosition = outcome.Estimate?.Position,
            EstimatedStart = outcome.Estimate is { } estimate ? Timestamps.Format(estimate.EstimatedStart) : null,
        };
        return new HttpApiResponse
        {
            StatusCode = outcome.Duplicate ? 200 : 202,
            Headers = headers,
            Body = JsonSerializer.Serialize(body, HttpJsonContext.Default.UploadAcceptedBody),
        };
    }

    /// <summary>"queued" while waiting for admission, "processing" while the import runs (the seed's value), else the study's terminal status.</summary>
    private static string ClientStatus(string status) =>
        status == StudyStatus.Queued ? "queued" : StudyStatus.IsTerminal(status) ? status.ToLowerInvariant() : "processing";
}
