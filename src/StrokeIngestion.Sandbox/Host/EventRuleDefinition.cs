using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using StrokeIngestion.Sandbox.Template;

namespace StrokeIngestion.Sandbox.Host;

/// <summary>
/// One <c>AWS::Events::Rule</c> of the synthesized stack with its first target, as the sandbox
/// runs it: the event pattern (exact-value lists, nested by field, as CDK writes them), the
/// target's input (input transformer, constant input or the whole event) and its RetryAttempts.
/// Running the template's rule rather than a copy of the contract catches a stack whose rule no
/// longer produces what the function reads.
/// </summary>
internal sealed class EventRuleDefinition
{
    public const string RuleType = "AWS::Events::Rule";

    private const int DefaultRetryAttempts = 185;

    private readonly JsonObject _pattern;
    private readonly IReadOnlyDictionary<string, string> _inputPaths;
    private readonly string? _inputTemplate;
    private readonly JsonNode? _constantInput;

    private EventRuleDefinition(string name, JsonObject pattern, string targetArn, IReadOnlyDictionary<string, string> inputPaths, string? inputTemplate, JsonNode? constantInput, int retryAttempts)
    {
        Name = name;
        _pattern = pattern;
        TargetArn = targetArn;
        _inputPaths = inputPaths;
        _inputTemplate = inputTemplate;
        _constantInput = constantInput;
        RetryAttempts = retryAttempts;
    }

    public string Name { get; }

    public string TargetArn { get; }

    /// <summary>The target's RetryPolicy.MaximumRetryAttempts (EventBridge's default 185 when absent).</summary>
    public int RetryAttempts { get; }

    /// <summary>The rules of the template whose pattern names <paramref name="source"/> and whose first target is <paramref name="targetArn"/>.</summary>
    public static IReadOnlyList<EventRuleDefinition> Find(SynthesizedTemplate template, string source, string targetArn)
    {
        ArgumentNullException.ThrowIfNull(template);
        var rules = new List<EventRuleDefinition>();
        foreach (var resource in template.ResourcesOfType(RuleType))
        {
            // Target members are resolved one by one: a dead-letter queue's ARN is nothing the sandbox can resolve.
            if (template.ResolveProperty(resource, "EventPattern") is not JsonObject pattern
                || pattern["source"] is not JsonArray sources
                || !sources.Any(s => s?.GetValue<string>() == source)
                || resource.Properties["Targets"] is not JsonArray { Count: > 0 } targets
                || targets[0] is not JsonObject rawTarget
                || template.Resolve(rawTarget["Arn"])?.GetValue<string>() != targetArn)
            {
                continue;
            }

            var target = new JsonObject
            {
                ["InputTransformer"] = template.Resolve(rawTarget["InputTransformer"])?.DeepClone(),
                ["Input"] = template.Resolve(rawTarget["Input"])?.DeepClone(),
                ["RetryPolicy"] = template.Resolve(rawTarget["RetryPolicy"])?.DeepClone(),
            };
            var transformer = target["InputTransformer"] as JsonObject;
            var paths = (transformer?["InputPathsMap"] as JsonObject)?
                .ToDictionary(p => p.Key, p => p.Value?.GetValue<string>() ?? string.Empty, StringComparer.Ordinal)
                ?? [];
            var constant = target["Input"]?.GetValue<string>() is { } text ? JsonNode.Parse(text) : null;
            var retries = target["RetryPolicy"]?["MaximumRetryAttempts"]?.GetValue<int>() ?? DefaultRetryAttempts;
            rules.Add(new EventRuleDefinition(
                template.ResolveStringProperty(resource, "Name") ?? resource.LogicalId,
                (JsonObject)pattern.DeepClone(),
                targetArn,
                paths,
                transformer?["InputTemplate"]?.GetValue<string>(),
                constant,
                retries));
        }

        return rules;
    }

    /// <summary>Whether the event (an EventBridge envelope) matches the rule's pattern.</summary>
    public bool Matches(JsonObject envelope) => Matches(_pattern, envelope);

    /// <summary>What the target receives for a matched event, as JSON text.</summary>
    /// <exception cref="InvalidOperationException">The transformer produces no valid JSON (EventBridge would fail the target).</exception>
    public string TargetInput(JsonObject envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        if (_inputTemplate is null)
        {
            return (_constantInput ?? envelope).ToJsonString();
        }

        var output = Transform(_inputTemplate, _inputPaths.ToDictionary(p => p.Key, p => Select(envelope, p.Value), StringComparer.Ordinal));
        try
        {
            using var _ = JsonDocument.Parse(output);
        }
        catch (JsonException ex)
        {
            throw new InvalidOperationException($"Rule {Name}: the input transformer does not produce valid JSON.", ex);
        }

        return output;
    }

    private static bool Matches(JsonObject pattern, JsonNode? node)
    {
        foreach (var (field, expected) in pattern)
        {
            var actual = (node as JsonObject)?[field];
            var matched = expected switch
            {
                JsonObject nested => Matches(nested, actual),
                JsonArray values => values.Any(v => v is JsonValue && JsonNode.DeepEquals(v, actual)),
                _ => throw new NotSupportedException($"Event pattern field '{field}' is neither a list of values nor an object."),
            };
            if (!matched)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>InputPathsMap's JSONPath subset: <c>$</c> and <c>$.a.b</c>.</summary>
    private static JsonNode? Select(JsonObject envelope, string path)
    {
        JsonNode? current = envelope;
        foreach (var segment in path.TrimStart('$').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            current = (current as JsonObject)?[segment];
        }

        return current;
    }

    /// <summary>
    /// Replaces each <c>&lt;name&gt;</c> of the template: inside a JSON string by the value's raw
    /// text, elsewhere by the value as JSON (a string quoted, a missing path <c>null</c>).
    /// </summary>
    private static string Transform(string template, Dictionary<string, JsonNode?> values)
    {
        var output = new StringBuilder();
        var inString = false;
        for (var i = 0; i < template.Length; i++)
        {
            var c = template[i];
            if (c == '\\' && inString && i + 1 < template.Length)
            {
                output.Append(c).Append(template[++i]);
                continue;
            }

            if (c == '"')
            {
                inString = !inString;
            }
            else if (c == '<' && template.IndexOf('>', i) is var end and > 0 && values.TryGetValue(template[(i + 1)..end], out var value))
            {
                output.Append(inString ? RawText(value) : value?.ToJsonString() ?? "null");
                i = end;
                continue;
            }

            output.Append(c);
        }

        return output.ToString();

        static string RawText(JsonNode? value)
        {
            var json = value?.ToJsonString() ?? "null";
            return value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? json[1..^1] : json;
        }
    }
}
