using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;

namespace StrokeIngestion.EndToEnd.Tests.StepFunctions;

/// <summary>
/// A fake in-process Lambda handler (the Stream contract) that answers each call with the next
/// scripted step and records what it was given.
/// </summary>
internal sealed class ScriptedFunction
{
    private readonly ConcurrentQueue<Func<JsonNode?, CancellationToken, Task<JsonNode?>>> _steps = new();
    private readonly ConcurrentQueue<JsonNode?> _inputs = new();
    private Func<JsonNode?, CancellationToken, Task<JsonNode?>>? _otherwise;

    public IReadOnlyList<JsonNode?> Inputs => _inputs.ToList();

    public int Calls => _inputs.Count;

    public ScriptedFunction Then(Func<JsonNode?, JsonNode?> reply)
    {
        _steps.Enqueue((input, _) => Task.FromResult(reply(input)));
        return this;
    }

    public ScriptedFunction ThenAsync(Func<JsonNode?, CancellationToken, Task<JsonNode?>> reply)
    {
        _steps.Enqueue(reply);
        return this;
    }

    public ScriptedFunction ThenThrow(Exception exception, int times = 1)
    {
        for (var i = 0; i < times; i++)
        {
            _steps.Enqueue((_, _) => Task.FromException<JsonNode?>(exception));
        }

        return this;
    }

    /// <summary>What every call after the script answers.</summary>
    public ScriptedFunction Otherwise(Func<JsonNode?, JsonNode?> reply)
    {
        _otherwise = (input, _) => Task.FromResult(reply(input));
        return this;
    }

    public async Task<Stream> HandleAsync(Stream request, CancellationToken cancellationToken)
    {
        var input = await JsonNode.ParseAsync(request, cancellationToken: cancellationToken);
        _inputs.Enqueue(input?.DeepClone());
        var step = _steps.TryDequeue(out var next)
            ? next
            : _otherwise ?? throw new InvalidOperationException("The scripted function ran out of replies.");
        var reply = await step(input, cancellationToken);
        return new MemoryStream(Encoding.UTF8.GetBytes(reply?.ToJsonString() ?? "null"));
    }
}

/// <summary>ImportMonitor outputs as the contract defines them.</summary>
internal static class MonitorReply
{
    public static JsonObject InProgress(JsonNode? input) => Reply(input, "IN_PROGRESS", "IMPORTING", done: false, [], null);

    public static JsonObject Ready(JsonNode? input, params string[] imageSetIds) =>
        Reply(input, "COMPLETED", "READY_FOR_ANALYSIS", done: true, imageSetIds, null);

    public static JsonObject Failed(JsonNode? input, string reason) => Reply(input, "FAILED", "IMPORT_FAILED", done: true, [], reason);

    private static JsonObject Reply(JsonNode? input, string importStatus, string status, bool done, string[] imageSetIds, string? reason) => new()
    {
        ["study_id"] = input?["study_id"]?.DeepClone(),
        ["datastore_id"] = input?["datastore_id"]?.DeepClone(),
        ["import_job_id"] = input?["import_job_id"]?.DeepClone(),
        ["attempt"] = (input?["attempt"]?.GetValue<int>() ?? 0) + 1,
        ["import_status"] = importStatus,
        ["status"] = status,
        ["done"] = done,
        ["image_set_id"] = imageSetIds.Length > 0 ? imageSetIds[0] : null,
        ["image_set_ids"] = new JsonArray(imageSetIds.Select(id => (JsonNode?)JsonValue.Create(id)).ToArray()),
        ["failure_reason"] = reason,
    };
}
