using System.Text.Json.Nodes;

namespace StrokeIngestion.Sandbox.StepFunctions.Asl;

/// <summary>
/// A Parameters or ResultSelector value: static JSON in which every field named <c>key.$</c>
/// is replaced by <c>key</c> = the value its path selects from the input (<c>$</c>) or the
/// context object (<c>$$</c>). Intrinsic functions (<c>States.Format</c> …) are not implemented
/// and are rejected when the definition is parsed.
/// </summary>
internal sealed class PayloadTemplate
{
    private readonly JsonNode? _template;
    private readonly Dictionary<string, JsonPath> _paths;

    private PayloadTemplate(JsonNode? template, Dictionary<string, JsonPath> paths)
    {
        _template = template;
        _paths = paths;
    }

    /// <summary>The field names the top level of the template produces (<c>.$</c> stripped).</summary>
    public IEnumerable<string> TopLevelFields =>
        _template is JsonObject obj
            ? obj.Select(p => p.Key.EndsWith(".$", StringComparison.Ordinal) ? p.Key[..^2] : p.Key)
            : [];

    /// <summary>Whether some <c>.$</c> field of the template reads exactly <paramref name="pathText"/>.</summary>
    public bool References(string pathText) => _paths.ContainsKey(pathText);

    public static PayloadTemplate Parse(JsonNode? template, string stateName, string fieldName)
    {
        var paths = new Dictionary<string, JsonPath>(StringComparer.Ordinal);
        Collect(template, stateName, fieldName, paths);
        return new PayloadTemplate(template?.DeepClone(), paths);
    }

    public JsonNode? Evaluate(JsonNode? input, JsonNode context, string stateName) =>
        Evaluate(_template, input, context, stateName);

    private JsonNode? Evaluate(JsonNode? node, JsonNode? input, JsonNode context, string stateName)
    {
        switch (node)
        {
            case JsonObject obj:
                var result = new JsonObject();
                foreach (var (key, value) in obj)
                {
                    if (key.EndsWith(".$", StringComparison.Ordinal) && value is JsonValue pathValue)
                    {
                        var path = _paths[pathValue.GetValue<string>()];
                        if (!path.TryGet(input, context, out var selected))
                        {
                            throw new StatesErrorException(
                                StatesErrors.Runtime,
                                $"An error occurred while executing the state '{stateName}'. The JSONPath '{path.Text}' specified for the field '{key}' could not be found in the input.");
                        }

                        result[key[..^2]] = selected?.DeepClone();
                    }
                    else
                    {
                        result[key] = Evaluate(value, input, context, stateName);
                    }
                }

                return result;
            case JsonArray array:
                return new JsonArray(array.Select(item => Evaluate(item, input, context, stateName)).ToArray());
            default:
                return node?.DeepClone();
        }
    }

    private static void Collect(JsonNode? node, string stateName, string fieldName, Dictionary<string, JsonPath> paths)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    if (!key.EndsWith(".$", StringComparison.Ordinal))
                    {
                        Collect(value, stateName, fieldName, paths);
                        continue;
                    }

                    if (value is not JsonValue v || !v.TryGetValue<string>(out var text))
                    {
                        throw new AslDefinitionException($"State '{stateName}': {fieldName} field '{key}' must be a string path.");
                    }

                    if (text.StartsWith("States.", StringComparison.Ordinal))
                    {
                        throw new AslDefinitionException(
                            $"State '{stateName}': {fieldName} field '{key}' uses the intrinsic function '{text.Split('(')[0]}', which the sandbox interpreter does not implement.");
                    }

                    try
                    {
                        paths[text] = JsonPath.Parse(text, allowWildcard: true);
                    }
                    catch (AslDefinitionException ex)
                    {
                        throw new AslDefinitionException($"State '{stateName}': {fieldName} field '{key}': {ex.Message}", ex);
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Collect(item, stateName, fieldName, paths);
                }

                break;
        }
    }
}
