using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using StrokeIngestion.Core.Domain;

namespace StrokeIngestion.Core.Admission;

/// <summary>
/// The body of an import-queue message: <c>{"study_id":"STUDY-…","priority":"urgent"}</c>.
/// Nothing else: the study record holds the rest, and no PHI travels through the queue.
/// </summary>
public sealed record ImportQueueMessage(StudyId StudyId, StudyPriority Priority)
{
    public string ToJson() =>
        JsonSerializer.Serialize(new Wire(StudyId.Value, Priority.ToWire()), AdmissionJsonContext.Default.Wire);

    /// <summary>Reads a body; false for anything that is not exactly that shape with a valid id and priority.</summary>
    public static bool TryParse(string? body, [NotNullWhen(true)] out ImportQueueMessage? message)
    {
        message = null;
        if (string.IsNullOrEmpty(body))
        {
            return false;
        }

        Wire? wire;
        try
        {
            wire = JsonSerializer.Deserialize(body, AdmissionJsonContext.Default.Wire);
        }
        catch (JsonException)
        {
            return false;
        }

        if (wire is null || !StudyId.TryParse(wire.StudyId, out var id) || !StudyPriorities.TryParse(wire.Priority, out var priority))
        {
            return false;
        }

        message = new ImportQueueMessage(id, priority);
        return true;
    }

    internal sealed record Wire(
        [property: JsonPropertyName("study_id")] string? StudyId,
        [property: JsonPropertyName("priority")] string? Priority);
}

[JsonSerializable(typeof(ImportQueueMessage.Wire))]
internal sealed partial class AdmissionJsonContext : JsonSerializerContext;
