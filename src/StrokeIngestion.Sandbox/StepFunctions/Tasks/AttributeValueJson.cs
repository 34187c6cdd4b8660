using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.DynamoDBv2.Model;
using StrokeIngestion.Sandbox.StepFunctions.Asl;

namespace StrokeIngestion.Sandbox.StepFunctions.Tasks;

/// <summary>
/// Converts between the DynamoDB JSON a definition writes (<c>{"S": "…"}</c>, <c>{"N": "1"}</c>,
/// <c>{"M": {…}}</c> …) and the SDK's <see cref="AttributeValue"/>.
/// </summary>
internal static class AttributeValueJson
{
    public static Dictionary<string, AttributeValue> ToAttributeMap(JsonNode? node, string field)
    {
        if (node is not JsonObject obj)
        {
            throw Invalid(field, "must be a map of attribute values");
        }

        var map = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
        foreach (var (name, value) in obj)
        {
            map[name] = ToAttributeValue(value, $"{field}.{name}");
        }

        return map;
    }

    public static AttributeValue ToAttributeValue(JsonNode? node, string field)
    {
        if (node is not JsonObject { Count: 1 } obj)
        {
            throw Invalid(field, "must be an attribute value with exactly one type key (S, N, B, BOOL, NULL, M, L, SS, NS, BS)");
        }

        var (type, value) = obj.First();
        return type switch
        {
            "S" => new AttributeValue { S = String(value, field) },
            "N" => new AttributeValue { N = String(value, field) },
            "B" => new AttributeValue { B = new MemoryStream(Convert.FromBase64String(String(value, field))) },
            "BOOL" when value?.GetValueKind() is JsonValueKind.True or JsonValueKind.False => new AttributeValue { BOOL = value.GetValue<bool>() },
            "NULL" when value?.GetValueKind() == JsonValueKind.True => new AttributeValue { NULL = true },
            "M" => new AttributeValue { M = ToAttributeMap(value, field) },
            "L" when value is JsonArray list => new AttributeValue { L = list.Select((v, i) => ToAttributeValue(v, $"{field}[{i}]")).ToList() },
            "SS" when value is JsonArray list => new AttributeValue { SS = list.Select(v => String(v, field)).ToList() },
            "NS" when value is JsonArray list => new AttributeValue { NS = list.Select(v => String(v, field)).ToList() },
            "BS" when value is JsonArray list => new AttributeValue { BS = list.Select(v => new MemoryStream(Convert.FromBase64String(String(v, field)))).ToList() },
            _ => throw Invalid(field, $"has an invalid '{type}' attribute value"),
        };
    }

    public static JsonObject FromAttributeMap(Dictionary<string, AttributeValue> map)
    {
        var obj = new JsonObject();
        foreach (var (name, value) in map)
        {
            obj[name] = FromAttributeValue(value);
        }

        return obj;
    }

    public static JsonObject FromAttributeValue(AttributeValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.S is not null)
        {
            return new JsonObject { ["S"] = value.S };
        }

        if (value.N is not null)
        {
            return new JsonObject { ["N"] = value.N };
        }

        if (value.B is not null)
        {
            return new JsonObject { ["B"] = Convert.ToBase64String(value.B.ToArray()) };
        }

        if (value.BOOL is { } flag)
        {
            return new JsonObject { ["BOOL"] = flag };
        }

        if (value.NULL == true)
        {
            return new JsonObject { ["NULL"] = true };
        }

        if (value.M is not null)
        {
            return new JsonObject { ["M"] = FromAttributeMap(value.M) };
        }

        if (value.L is not null)
        {
            return new JsonObject { ["L"] = new JsonArray(value.L.Select(v => (JsonNode?)FromAttributeValue(v)).ToArray()) };
        }

        if (value.SS is not null)
        {
            return new JsonObject { ["SS"] = new JsonArray(value.SS.Select(s => (JsonNode?)JsonValue.Create(s)).ToArray()) };
        }

        if (value.NS is not null)
        {
            return new JsonObject { ["NS"] = new JsonArray(value.NS.Select(s => (JsonNode?)JsonValue.Create(s)).ToArray()) };
        }

        if (value.BS is not null)
        {
            return new JsonObject { ["BS"] = new JsonArray(value.BS.Select(b => (JsonNode?)JsonValue.Create(Convert.ToBase64String(b.ToArray()))).ToArray()) };
        }

        return new JsonObject { ["NULL"] = true };
    }

    private static string String(JsonNode? node, string field) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.String
            ? v.GetValue<string>()
            : throw Invalid(field, "must hold a string (DynamoDB JSON writes numbers as strings too)");

    private static StatesErrorException Invalid(string field, string problem) => new(
        StatesErrors.Runtime,
        string.Create(CultureInfo.InvariantCulture, $"The DynamoDB request field '{field}' {problem}."));
}
