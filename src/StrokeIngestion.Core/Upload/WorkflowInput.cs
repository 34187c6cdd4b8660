using System.Text.Json.Serialization;

namespace StrokeIngestion.Core.Upload;

/// <summary>The monitoring workflow's execution input (the ImportMonitor's first loop state).</summary>
public sealed record WorkflowInput(
    [property: JsonPropertyName("study_id")] string StudyId,
    [property: JsonPropertyName("datastore_id")] string DatastoreId,
    [property: JsonPropertyName("import_job_id")] string ImportJobId,
    [property: JsonPropertyName("attempt")] int Attempt);

[JsonSerializable(typeof(WorkflowInput))]
internal sealed partial class UploadJsonContext : JsonSerializerContext;
