using System.Text.Json.Nodes;
using StrokeIngestion.Sandbox.Template;

namespace StrokeIngestion.Sandbox.Iam;

/// <summary>Allow or Deny, as a statement's Effect says.</summary>
internal enum PolicyEffect
{
    Allow,
    Deny,
}

/// <summary>One condition of a statement: <c>"StringLike": { "s3:prefix": ["uploads/*"] }</c> is one operator, one key, its values.</summary>
internal sealed record PolicyCondition(string Operator, string Key, IReadOnlyList<string> Values);

/// <summary>
/// One statement of an identity-based policy, intrinsics already resolved: what it allows or
/// denies (<c>Action</c> or <c>NotAction</c>), on what (<c>Resource</c> or <c>NotResource</c>),
/// under which conditions (all of them must hold).
/// </summary>
internal sealed record PolicyStatement(
    string? Sid,
    PolicyEffect Effect,
    IReadOnlyList<string> Actions,
    bool NotAction,
    IReadOnlyList<string> Resources,
    bool NotResource,
    IReadOnlyList<PolicyCondition> Conditions)
{
    /// <summary>Reads every statement of a resolved policy document.</summary>
    public static IReadOnlyList<PolicyStatement> ParseDocument(JsonNode? document, string where)
    {
        var statements = document?["Statement"] switch
        {
            JsonArray array => array.ToList(),
            JsonObject single => [single],
            _ => throw new TemplateResolutionException($"{where}: the policy document has no Statement."),
        };
        return statements.Select(s => Parse(s as JsonObject ?? throw new TemplateResolutionException($"{where}: a statement is not an object."), where)).ToList();
    }

    private static PolicyStatement Parse(JsonObject statement, string where)
    {
        var effect = Text(statement[nameof(Effect)]) switch
        {
            "Allow" => PolicyEffect.Allow,
            "Deny" => PolicyEffect.Deny,
            var other => throw new TemplateResolutionException($"{where}: Effect '{other}' is neither Allow nor Deny."),
        };
        var notAction = statement.ContainsKey(nameof(NotAction));
        var notResource = statement.ContainsKey(nameof(NotResource));
        var conditions = new List<PolicyCondition>();
        foreach (var (op, keys) in statement["Condition"] as JsonObject ?? [])
        {
            foreach (var (key, values) in keys as JsonObject ?? throw new TemplateResolutionException($"{where}: condition {op} is not an object."))
            {
                conditions.Add(new PolicyCondition(op, key, List(values)));
            }
        }

        return new PolicyStatement(
            statement[nameof(Sid)]?.GetValue<string>(),
            effect,
            List(statement[notAction ? nameof(NotAction) : "Action"]),
            notAction,
            List(statement[notResource ? nameof(NotResource) : "Resource"]),
            notResource,
            conditions);
    }

    private static List<string> List(JsonNode? node) => node switch
    {
        null => [],
        JsonArray array => array.Select(Text).ToList(),
        _ => [Text(node)],
    };

    private static string Text(JsonNode? node) => node switch
    {
        JsonValue value when value.TryGetValue<string>(out var s) => s,
        JsonValue value => value.ToJsonString(),
        _ => throw new TemplateResolutionException("A policy element did not resolve to a string."),
    };
}
