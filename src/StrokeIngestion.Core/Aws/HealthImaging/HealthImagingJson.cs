using System.Text.Json.Serialization;

namespace StrokeIngestion.Core.Aws.HealthImaging;

/// <summary>StartDICOMImportJob body (restJson1; the datastore id travels in the path).</summary>
internal sealed record StartDicomImportJobBody(
    [property: JsonPropertyName("dataAccessRoleArn")] string DataAccessRoleArn,
    [property: JsonPropertyName("clientToken")] string ClientToken,
    [property: JsonPropertyName("inputS3Uri")] string InputS3Uri,
    [property: JsonPropertyName("outputS3Uri")] string OutputS3Uri,
    [property: JsonPropertyName("jobName")] string JobName);

/// <summary>StartDICOMImportJob answer. <c>submittedAt</c> is epoch seconds.</summary>
internal sealed record StartDicomImportJobResult(
    [property: JsonPropertyName("datastoreId")] string? DatastoreId,
    [property: JsonPropertyName("jobId")] string? JobId,
    [property: JsonPropertyName("jobStatus")] string? JobStatus,
    [property: JsonPropertyName("submittedAt")] double? SubmittedAt);

/// <summary>GetDICOMImportJob answer.</summary>
internal sealed record GetDicomImportJobResult(
    [property: JsonPropertyName("jobProperties")] DicomImportJobProperties? JobProperties);

/// <summary>An import job's properties. Timestamps are epoch seconds, possibly fractional.</summary>
internal sealed record DicomImportJobProperties(
    [property: JsonPropertyName("jobId")] string? JobId,
    [property: JsonPropertyName("jobName")] string? JobName,
    [property: JsonPropertyName("jobStatus")] string? JobStatus,
    [property: JsonPropertyName("datastoreId")] string? DatastoreId,
    [property: JsonPropertyName("dataAccessRoleArn")] string? DataAccessRoleArn,
    [property: JsonPropertyName("inputS3Uri")] string? InputS3Uri,
    [property: JsonPropertyName("outputS3Uri")] string? OutputS3Uri,
    [property: JsonPropertyName("submittedAt")] double? SubmittedAt,
    [property: JsonPropertyName("endedAt")] double? EndedAt,
    [property: JsonPropertyName("message")] string? Message);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StartDicomImportJobBody))]
[JsonSerializable(typeof(StartDicomImportJobResult))]
[JsonSerializable(typeof(GetDicomImportJobResult))]
internal sealed partial class HealthImagingJsonContext : JsonSerializerContext
{
}
