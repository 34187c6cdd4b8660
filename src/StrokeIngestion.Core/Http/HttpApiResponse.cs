using System.Text.Json.Serialization;

namespace StrokeIngestion.Core.Http;

/// <summary>API Gateway HTTP API response, payload format 2.0.</summary>
public sealed record HttpApiResponse
{
    [JsonPropertyName("statusCode")]
    public required int StatusCode { get; init; }

    [JsonPropertyName("headers")]
    public required Dictionary<string, string> Headers { get; init; }

    [JsonPropertyName("body")]
    public required string Body { get; init; }

    [JsonPropertyName("isBase64Encoded")]
    public bool IsBase64Encoded { get; init; }
}

/// <summary>The error body every failed request gets: <c>{"error":{"code","message","field"}}</c>.</summary>
public sealed record ErrorEnvelope([property: JsonPropertyName("error")] ErrorDetail Error);

public sealed record ErrorDetail(
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("field")] string? Field);

/// <summary>The body of an accepted (202) or duplicate (200) upload.</summary>
public sealed record UploadAcceptedBody
{
    [JsonPropertyName("message")]
    public required string Message { get; init; }

    [JsonPropertyName("study_id")]
    public required string StudyId { get; init; }

    [JsonPropertyName("import_job_id")]
    public string? ImportJobId { get; init; }

    [JsonPropertyName("status")]
    public required string Status { get; init; }

    [JsonPropertyName("execution_arn")]
    public string? ExecutionArn { get; init; }

    [JsonPropertyName("duplicate")]
    public bool Duplicate { get; init; }

    /// <summary>Absent from answers of the inline start (before admission existed) to keep that shape.</summary>
    [JsonPropertyName("priority")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Priority { get; init; }

    [JsonPropertyName("queue_position")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? QueuePosition { get; init; }

    /// <summary>ISO 8601 UTC.</summary>
    [JsonPropertyName("estimated_start")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? EstimatedStart { get; init; }
}

/// <summary>The public view of a study (GET /studies/{study_id}): no patient id, no file names.</summary>
public sealed record StudyStatusBody
{
    [JsonPropertyName("study_id")]
    public required string StudyId { get; init; }

    /// <summary>The record's status (README, "The study record and its statuses").</summary>
    [JsonPropertyName("status")]
    public required string Status { get; init; }

    [JsonPropertyName("priority")]
    public required string Priority { get; init; }

    [JsonPropertyName("queue_position")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? QueuePosition { get; init; }

    [JsonPropertyName("estimated_start")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? EstimatedStart { get; init; }

    [JsonPropertyName("import_job_id")]
    public string? ImportJobId { get; init; }

    [JsonPropertyName("image_set_ids")]
    public IReadOnlyList<string> ImageSetIds { get; init; } = [];

    [JsonPropertyName("failure_reason")]
    public string? FailureReason { get; init; }

    [JsonPropertyName("updated_at")]
    public string? UpdatedAt { get; init; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never, WriteIndented = false)]
[JsonSerializable(typeof(HttpApiRequest))]
[JsonSerializable(typeof(HttpApiResponse))]
[JsonSerializable(typeof(ErrorEnvelope))]
[JsonSerializable(typeof(UploadAcceptedBody))]
[JsonSerializable(typeof(StudyStatusBody))]
public sealed partial class HttpJsonContext : JsonSerializerContext;
