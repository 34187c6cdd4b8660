using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace StrokeIngestion.Sandbox.Proof;

/// <summary>How a clinician's upload tool retries <c>POST /upload</c>.</summary>
/// <param name="MaxAttempts">Attempts per upload, the first included.</param>
/// <param name="AttemptTimeout">An attempt without an answer by then counts as a timeout (and is retried).</param>
/// <param name="RetryAfterScale">Multiplies the server's <c>Retry-After</c> (the sandbox runs faster than AWS).</param>
/// <param name="BaseDelay">Backoff when the answer names no <c>Retry-After</c>; doubles per attempt.</param>
internal sealed record UploadRetryPolicy(int MaxAttempts, TimeSpan AttemptTimeout, double RetryAfterScale, TimeSpan BaseDelay)
{
    public static UploadRetryPolicy Default { get; } = new(10, TimeSpan.FromSeconds(30), 0.05, TimeSpan.FromMilliseconds(100));

    /// <summary>The longest wait a (scaled) <c>Retry-After</c> buys: a tool does not sit idle for minutes on a server's word.</summary>
    public TimeSpan MaxRetryAfter { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>What became of one upload after all its attempts.</summary>
/// <param name="StatusCode">The last answer's status; 0 when the last attempt timed out or broke off.</param>
/// <param name="Code">The error envelope's code (<c>dependency_unavailable</c> …), <c>timeout</c>, <c>connection_failed</c>, or null when accepted.</param>
/// <param name="StudyIds">Every study id an answer named: more than one for one idempotency key is a duplicate study.</param>
/// <param name="Statuses">Each attempt's status (0 = no answer), in order.</param>
/// <param name="Started">Wall-clock time of the first attempt.</param>
/// <param name="Elapsed">From the first attempt to the final answer.</param>
internal sealed record UploadResult(
    ProofStudy Study,
    int StatusCode,
    string? Code,
    string? StudyId,
    IReadOnlyList<string> StudyIds,
    IReadOnlyList<int> Statuses,
    DateTimeOffset Started,
    TimeSpan Elapsed)
{
    public bool Accepted => StatusCode is 200 or 202;

    public int Attempts => Statuses.Count;

    public int Timeouts => Statuses.Count(s => s == 0);
}

/// <summary>
/// Sends one upload request per study and retries it with the same <c>Idempotency-Key</c> on
/// 429, 5xx, timeouts and broken connections, a bounded number of times: after a
/// <c>Retry-After</c> it waits that long (scaled, capped), else a short jittered backoff. Other answers are final. Thread-safe.
/// </summary>
internal sealed class RetryingUploadClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly Uri _uploadUrl;
    private readonly UploadRetryPolicy _policy;
    private readonly Random _random;
    private readonly Lock _randomGate = new();

    public RetryingUploadClient(Uri apiBaseUrl, UploadRetryPolicy policy, int seed, int maxConnections = 256)
    {
        ArgumentNullException.ThrowIfNull(apiBaseUrl);
        ArgumentNullException.ThrowIfNull(policy);
        _uploadUrl = new Uri(apiBaseUrl.ToString().TrimEnd('/') + "/upload");
        if (!_uploadUrl.IsLoopback)
        {
            throw new ArgumentException("Proof runs drive the local sandbox only (a loopback URL).", nameof(apiBaseUrl));
        }

        _policy = policy;
        _random = new Random(seed);
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = maxConnections })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public async Task<UploadResult> UploadAsync(ProofStudy study, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(study);
        var body = new JsonObject
        {
            ["patient_id"] = study.PatientId,
            ["study_description"] = "Brain CT - Suspected Stroke (proof run)",
            ["file_key"] = study.FileKey,
        };
        if (study.Priority is { } priority)
        {
            body["priority"] = priority;
        }

        var bodyText = body.ToJsonString();
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var statuses = new List<int>();
        var studyIds = new List<string>();
        var status = 0;
        string? code = null;
        for (var attempt = 1; attempt <= _policy.MaxAttempts; attempt++)
        {
            var (answerStatus, answerCode, studyId, retryAfter) = await SendAsync(study.IdempotencyKey, bodyText, cancellationToken);
            status = answerStatus;
            code = answerCode;
            statuses.Add(status);
            if (studyId is not null && !studyIds.Contains(studyId))
            {
                studyIds.Add(studyId);
            }

            var retryable = status is 0 or 429 or >= 500;
            if (!retryable || attempt == _policy.MaxAttempts)
            {
                break;
            }

            await Task.Delay(Backoff(attempt, retryAfter), cancellationToken);
        }

        var accepted = status is 200 or 202;
        return new UploadResult(
            study,
            status,
            accepted ? null : code,
            accepted ? studyIds.LastOrDefault() : null,
            studyIds,
            statuses,
            started,
            clock.Elapsed);
    }

    public void Dispose() => _http.Dispose();

    private async Task<(int Status, string? Code, string? StudyId, TimeSpan? RetryAfter)> SendAsync(string idempotencyKey, string body, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_policy.AttemptTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Post, _uploadUrl)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        try
        {
            using var response = await _http.SendAsync(request, timeout.Token);
            var text = await response.Content.ReadAsStringAsync(timeout.Token);
            var (code, studyId) = ReadBody(text);
            TimeSpan? retryAfter = response.Headers.RetryAfter?.Delta;
            return ((int)response.StatusCode, code, studyId, retryAfter);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (0, "timeout", null, null);
        }
        catch (HttpRequestException)
        {
            return (0, "connection_failed", null, null);
        }
    }

    private static (string? Code, string? StudyId) ReadBody(string text)
    {
        try
        {
            var node = JsonNode.Parse(text);
            var code = node?["error"]?["code"]?.GetValue<string>() ?? node?["message"]?.GetValue<string>();
            var studyId = node?["study_id"]?.GetValue<string>();
            return (code, studyId);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            return ("unreadable_answer", null);
        }
    }

    private TimeSpan Backoff(int attempt, TimeSpan? retryAfter)
    {
        double random;
        lock (_randomGate)
        {
            random = _random.NextDouble();
        }

        if (retryAfter is { } after && after > TimeSpan.Zero)
        {
            // Honoured: never sooner than the server asked (capped), up to 10% later so the
            // clients told the same moment do not all come back at once.
            var asked = after * _policy.RetryAfterScale;
            return (asked < _policy.MaxRetryAfter ? asked : _policy.MaxRetryAfter) * (1 + (random / 10));
        }

        return _policy.BaseDelay * Math.Pow(2, Math.Min(attempt - 1, 5)) * (0.5 + (random / 2));
    }
}
