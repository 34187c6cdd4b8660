using System.Text.Json.Nodes;

namespace StrokeIngestion.Infrastructure.Tests.Support;

/// <summary>
/// Identity-policy statements flattened to one line per (action, resource) pair, so that
/// assertions do not depend on how CDK groups or merges statements.
/// </summary>
internal static class PolicyStatements
{
    /// <summary>Every statement of every inline policy attached to a role.</summary>
    public static IEnumerable<JsonObject> OfRole(StackFixture stack, string roleLogicalId)
    {
        var attached = stack.OfType("AWS::IAM::Policy")
            .Where(p => (p.Resource["Properties"]?["Roles"]?.AsArray() ?? [])
                .Any(r => r?["Ref"]?.GetValue<string>() == roleLogicalId))
            .SelectMany(p => Statements(p.Resource["Properties"]?["PolicyDocument"]));
        var inline = (stack.Resources[roleLogicalId]?["Properties"]?["Policies"]?.AsArray() ?? [])
            .SelectMany(p => Statements(p?["PolicyDocument"]));
        return attached.Concat(inline);
    }

    /// <summary>Statements of every identity policy in the template (inline role policies included).</summary>
    public static IEnumerable<JsonObject> All(StackFixture stack) =>
        stack.OfType("AWS::IAM::Policy").SelectMany(p => Statements(p.Resource["Properties"]?["PolicyDocument"]))
            .Concat(stack.OfType("AWS::IAM::Role").SelectMany(r =>
                (r.Resource["Properties"]?["Policies"]?.AsArray() ?? []).SelectMany(p => Statements(p?["PolicyDocument"]))));

    /// <summary>"Allow s3:GetObject {Bucket.Arn}/uploads/*" (+ " if {condition json}"), sorted.</summary>
    public static IReadOnlyList<string> Flatten(IEnumerable<JsonObject> statements, TemplateTokens tokens) =>
        statements
            .SelectMany(s => Strings(s["Action"]).SelectMany(action => Items(s["Resource"]).Select(resource =>
                $"{s["Effect"]} {action} {tokens.Render(resource)}"
                + (s["Condition"] is JsonNode condition ? " if " + condition.ToJsonString() : string.Empty))))
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();

    public static IEnumerable<string> Strings(JsonNode? node) => Items(node).Select(n => n?.GetValue<string>() ?? string.Empty);

    public static IEnumerable<JsonNode?> Items(JsonNode? node) => node switch
    {
        null => Enumerable.Empty<JsonNode?>(),
        JsonArray array => array,
        // A new array would try to adopt the node, which already belongs to the template.
        _ => Enumerable.Repeat<JsonNode?>(node, 1),
    };

    private static IEnumerable<JsonObject> Statements(JsonNode? document) =>
        Items(document?["Statement"]).OfType<JsonObject>();
}
