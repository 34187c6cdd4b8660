using System.Text.Json.Nodes;

namespace StrokeIngestion.Infrastructure.Tests.Support;

/// <summary>
/// Turns CloudFormation intrinsics (Ref, Fn::GetAtt, Fn::Join) into plain strings, either as
/// readable placeholders (<c>{Bucket.Arn}</c>) for assertions, or as plausible ARNs for tools
/// that need a deployable-looking document.
/// </summary>
internal sealed class TemplateTokens
{
    public const string Account = "123456789012";
    public const string Region = "us-east-1";

    private readonly JsonObject _resources;
    private readonly bool _plausible;

    private TemplateTokens(JsonObject template, bool plausible)
    {
        _resources = template["Resources"]?.AsObject() ?? throw new ArgumentException("Template has no Resources.", nameof(template));
        _plausible = plausible;
    }

    /// <summary>Renders <c>{"Ref":"X"}</c> as <c>{X}</c> and <c>{"Fn::GetAtt":["X","Arn"]}</c> as <c>{X.Arn}</c>.</summary>
    public static TemplateTokens Placeholders(JsonObject template) => new(template, plausible: false);

    /// <summary>Renders references as the values CloudFormation could plausibly give them.</summary>
    public static TemplateTokens PlausibleValues(JsonObject template) => new(template, plausible: true);

    public string Render(JsonNode? node)
    {
        switch (node)
        {
            case null:
                return "null";
            case JsonValue value:
                return value.ToString();
            case JsonObject obj when obj.Count == 1 && obj["Ref"] is JsonValue reference:
                return Ref(reference.GetValue<string>());
            case JsonObject obj when obj.Count == 1 && obj["Fn::GetAtt"] is JsonArray getAtt:
                return GetAtt(getAtt[0]?.GetValue<string>() ?? string.Empty, getAtt[1]?.GetValue<string>() ?? string.Empty);
            case JsonObject obj when obj.Count == 1 && obj["Fn::Join"] is JsonArray join:
                var separator = join[0]?.GetValue<string>() ?? string.Empty;
                var parts = join[1]?.AsArray() ?? [];
                return string.Join(separator, parts.Select(Render));
            default:
                throw new NotSupportedException("Cannot render " + node.ToJsonString());
        }
    }

    private string Ref(string name)
    {
        if (!_plausible)
        {
            return "{" + name + "}";
        }

        return name switch
        {
            "AWS::Partition" => "aws",
            "AWS::Region" => Region,
            "AWS::AccountId" => Account,
            "AWS::URLSuffix" => "amazonaws.com",
            _ => TypeOf(name) switch
            {
                "AWS::DynamoDB::Table" => PhysicalName(name, "TableName"),
                "AWS::Lambda::Function" => PhysicalName(name, "FunctionName"),
                "AWS::StepFunctions::StateMachine" => $"arn:aws:states:{Region}:{Account}:stateMachine:{PhysicalName(name, "StateMachineName")}",
                var type => throw new NotSupportedException($"No plausible value for Ref of {type} {name}"),
            },
        };
    }

    private string GetAtt(string name, string attribute)
    {
        if (!_plausible)
        {
            return "{" + name + "." + attribute + "}";
        }

        return (TypeOf(name), attribute) switch
        {
            ("AWS::Lambda::Function", "Arn") => $"arn:aws:lambda:{Region}:{Account}:function:{PhysicalName(name, "FunctionName")}",
            ("AWS::DynamoDB::Table", "Arn") => $"arn:aws:dynamodb:{Region}:{Account}:table/{PhysicalName(name, "TableName")}",
            var (type, _) => throw new NotSupportedException($"No plausible value for {type} {name}.{attribute}"),
        };
    }

    private string TypeOf(string logicalId) =>
        _resources[logicalId]?["Type"]?.GetValue<string>() ?? throw new KeyNotFoundException("No resource " + logicalId);

    private string PhysicalName(string logicalId, string property) =>
        _resources[logicalId]?["Properties"]?[property] is JsonValue name ? name.GetValue<string>() : logicalId.ToLowerInvariant();
}
