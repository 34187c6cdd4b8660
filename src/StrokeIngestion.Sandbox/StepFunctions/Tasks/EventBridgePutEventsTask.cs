using System.Text.Json;
using System.Text.Json.Nodes;
using StrokeIngestion.Sandbox.StepFunctions.Asl;

namespace StrokeIngestion.Sandbox.StepFunctions.Tasks;

/// <summary>
/// <c>arn:aws:states:::events:putEvents</c> into the sandbox <see cref="EventLog"/>. As the real
/// integration: a Detail object is sent as its JSON text, the execution ARN is added to each
/// entry's Resources, the result is <c>{"Entries":[{"EventId"}],"FailedEntryCount":0}</c>, and
/// a failed entry (missing Source/DetailType/Detail, Detail not a JSON object) fails the task
/// with <c>EventBridge.FailedEntry</c>.
/// </summary>
internal sealed class EventBridgePutEventsTask : ITaskIntegration
{
    private readonly EventLog _log;

    public EventBridgePutEventsTask(EventLog log)
    {
        _log = log;
    }

    public Task<JsonNode?> InvokeAsync(TaskInvocation invocation, CancellationToken cancellationToken)
    {
        if ((invocation.Parameters as JsonObject)?["Entries"] is not JsonArray { Count: >= 1 and <= 10 } entries)
        {
            throw new StatesErrorException(
                StatesErrors.Runtime,
                $"State '{invocation.StateName}': events:putEvents needs Entries, a list of 1 to 10 entries.");
        }

        var problems = entries.Select(Validate).ToList();
        if (problems.FirstOrDefault(p => p is not null) is { } problem)
        {
            var failed = new JsonObject
            {
                ["Entries"] = new JsonArray(problems.Select(p => (JsonNode?)(p is null
                    ? new JsonObject()
                    : new JsonObject { ["ErrorCode"] = "InvalidArgument", ["ErrorMessage"] = p })).ToArray()),
                ["FailedEntryCount"] = problems.Count(p => p is not null),
            };
            throw new StatesErrorException("EventBridge.FailedEntry", $"{problem} {failed.ToJsonString()}");
        }

        var results = new JsonArray();
        foreach (var entry in entries.OfType<JsonObject>())
        {
            var resources = (entry["Resources"] as JsonArray)?.Select(r => r?.ToString() ?? string.Empty).ToList() ?? [];
            resources.Add(invocation.ExecutionArn);
            var recorded = _log.Record(
                entry["EventBusName"]?.GetValue<string>() ?? "default",
                entry["Source"]?.GetValue<string>() ?? string.Empty,
                entry["DetailType"]?.GetValue<string>() ?? string.Empty,
                DetailText(entry["Detail"]),
                resources);
            results.Add(new JsonObject { ["EventId"] = recorded.EventId });
        }

        return Task.FromResult<JsonNode?>(new JsonObject { ["Entries"] = results, ["FailedEntryCount"] = 0 });
    }

    private static string? Validate(JsonNode? entry)
    {
        if (entry is not JsonObject obj)
        {
            return "An entry is not an object.";
        }

        foreach (var field in new[] { "Source", "DetailType" })
        {
            if (obj[field] is not JsonValue v || v.GetValueKind() != JsonValueKind.String || v.GetValue<string>().Length == 0)
            {
                return $"Parameter {field} is not valid.";
            }
        }

        return obj["Detail"] switch
        {
            JsonObject => null,
            JsonValue v when v.GetValueKind() == JsonValueKind.String && IsJsonObject(v.GetValue<string>()) => null,
            _ => "Parameter Detail is not valid.",
        };
    }

    private static string DetailText(JsonNode? detail) =>
        detail is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : detail?.ToJsonString() ?? "{}";

    private static bool IsJsonObject(string text)
    {
        try
        {
            return JsonNode.Parse(text) is JsonObject;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
