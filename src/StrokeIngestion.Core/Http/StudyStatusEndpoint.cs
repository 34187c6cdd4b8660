using System.Diagnostics;
using System.Text.Json;
using StrokeIngestion.Core.Admission;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Core.Errors;
using StrokeIngestion.Core.Observability;
using StrokeIngestion.Core.Ports;
using StrokeIngestion.Core.Resilience;
using StrokeIngestion.Core.Upload;

namespace StrokeIngestion.Core.Http;

/// <summary>
/// GET /studies/{study_id}: the study's public view for the caller who submitted it. A study
/// submitted by another caller answers 404 like an unknown id, so ids cannot be probed. The
/// view carries no patient id and no object keys: nothing beyond what the caller sent.
/// </summary>
public sealed class StudyStatusEndpoint
{
    public const string RouteKey = "GET /studies/{study_id}";

    private const string StudyIdParameter = "study_id";

    private static readonly TimeSpan FallbackRetryAfter = TimeSpan.FromSeconds(1);

    private readonly IStudyStore _studies;
    private readonly RetryPolicy _retry;
    private readonly ImportQueueing? _queueing;
    private readonly TimeProvider _time;
    private readonly StructuredLog _log;

    /// <param name="queueing">When set, a QUEUED study's answer carries its place in line and estimated start.</param>
    public StudyStatusEndpoint(IStudyStore studies, RetryPolicy retry, TimeProvider time, StructuredLog log, ImportQueueing? queueing = null)
    {
        _studies = studies;
        _retry = retry;
        _time = time;
        _log = log;
        _queueing = queueing;
    }

    /// <summary>Never throws for a client's input; an unexpected exception becomes a 500 without details.</summary>
    public async Task<HttpApiResponse> HandleAsync(HttpApiRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = Stopwatch.GetTimestamp();
        HttpApiResponse response;
        string? studyId = null;
        try
        {
            var text = request.PathParameters?.GetValueOrDefault(StudyIdParameter);
            if (!StudyId.TryParse(text, out var id))
            {
                response = UploadEndpoint.ToResponse(UploadOutcome.Rejected(UploadErrors.InvalidStudyId()));
            }
            else
            {
                studyId = id.Value;
                response = await ViewAsync(id, request.RequestContext?.Authorizer?.CallerIdentity, cancellationToken);
            }
        }
        catch (DependencyException ex)
        {
            var error = ex is TransientDependencyException { Throttled: true }
                ? UploadErrors.Throttled(await RetryAfterAsync(cancellationToken))
                : UploadErrors.Unavailable(await RetryAfterAsync(cancellationToken));
            response = UploadEndpoint.ToResponse(UploadOutcome.Rejected(error));
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _log.Error("study status failed unexpectedly", new("request_id", request.RequestContext?.RequestId), new("error_type", ex.GetType().Name));
            response = UploadEndpoint.ToResponse(UploadOutcome.Rejected(UploadErrors.Internal()));
        }

        _log.Info(
            "study status handled",
            new("request_id", request.RequestContext?.RequestId),
            new("study_id", studyId),
            new("status_code", response.StatusCode),
            new("duration_ms", Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 1)));
        return response;
    }

    private async Task<HttpApiResponse> ViewAsync(StudyId id, string? caller, CancellationToken cancellationToken)
    {
        var study = await _retry.RunAsync(ct => _studies.GetAsync(id, ct), cancellationToken);
        if (study is null || (study.SubmittedBy is not null && caller is not null && study.SubmittedBy != caller))
        {
            return UploadEndpoint.ToResponse(UploadOutcome.Rejected(UploadErrors.StudyNotFound()));
        }

        var priority = StudyPriorities.TryParse(study.Priority, out var parsed) ? parsed : StudyPriority.Urgent;
        var estimate = study.Status == StudyStatus.Queued ? await EstimateAsync(priority, cancellationToken) : null;
        var body = new StudyStatusBody
        {
            StudyId = study.StudyId.Value,
            Status = study.Status,
            Priority = priority.ToWire(),
            QueuePosition = estimate?.Position,
            EstimatedStart = estimate is null ? null : Timestamps.Format(estimate.EstimatedStart),
            ImportJobId = study.ImportJobId,
            ImageSetIds = study.ImageSetIds ?? [],
            FailureReason = study.FailureReason,
            UpdatedAt = study.UpdatedAt,
        };
        return new HttpApiResponse
        {
            StatusCode = 200,
            Headers = new Dictionary<string, string>(StringComparer.Ordinal) { ["Content-Type"] = "application/json" },
            Body = JsonSerializer.Serialize(body, HttpJsonContext.Default.StudyStatusBody),
        };
    }

    private Task<QueueEstimate?> EstimateAsync(StudyPriority priority, CancellationToken cancellationToken) =>
        _queueing is null ? Task.FromResult<QueueEstimate?>(null) : _queueing.TryEstimateAsync(priority, _time.GetUtcNow(), cancellationToken);

    private Task<TimeSpan> RetryAfterAsync(CancellationToken cancellationToken) =>
        _queueing is null ? Task.FromResult(FallbackRetryAfter) : _queueing.RetryAfterAsync(_time.GetUtcNow(), FallbackRetryAfter, cancellationToken);
}
