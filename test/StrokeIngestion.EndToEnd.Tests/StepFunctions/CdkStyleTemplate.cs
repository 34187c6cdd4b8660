using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace StrokeIngestion.EndToEnd.Tests.StepFunctions;

/// <summary>
/// Builds CloudFormation templates the way <c>cdk synth</c> writes a state machine: the
/// definition is serialized once and every token in it (<c>{{Ref:X}}</c>, <c>{{GetAtt:X.Attr}}</c>)
/// becomes a <c>Ref</c>/<c>Fn::GetAtt</c> element of a <c>Fn::Join</c> with an empty delimiter.
/// </summary>
internal static partial class CdkStyleTemplate
{
    public const string Project = "stroke-detection-ai";
    public const string MonitorFunctionName = Project + "-import-monitor";
    public const string StateMachineName = Project + "-processing";
    public const string TableName = Project + "-study-metadata";

    public static string Partition => "{{Ref:AWS::Partition}}";

    public static string MonitorArn => "{{GetAtt:ImportMonitorFunction9A8B3C2D.Arn}}";

    public static string Table => "{{Ref:StudyTable5F3E1A0B}}";

    /// <summary>A stack with the ingestion resources and one state machine with <paramref name="definition"/>.</summary>
    public static string Stack(JsonObject definition, string stateMachineName = StateMachineName) => new JsonObject
    {
        ["Parameters"] = new JsonObject
        {
            ["BootstrapVersion"] = new JsonObject
            {
                ["Type"] = "AWS::SSM::Parameter::Value<String>",
                ["Default"] = "/cdk-bootstrap/hnb659fds/version",
            },
        },
        ["Resources"] = new JsonObject
        {
            ["ImportMonitorFunction9A8B3C2D"] = new JsonObject
            {
                ["Type"] = "AWS::Lambda::Function",
                ["Properties"] = new JsonObject
                {
                    ["FunctionName"] = MonitorFunctionName,
                    ["Handler"] = "StrokeIngestion.ImportMonitor::StrokeIngestion.ImportMonitor.Function::Handle",
                    ["Runtime"] = "dotnet10",
                    ["Timeout"] = 60,
                    ["Environment"] = new JsonObject
                    {
                        ["Variables"] = new JsonObject
                        {
                            ["STUDY_TABLE_NAME"] = new JsonObject { ["Ref"] = "StudyTable5F3E1A0B" },
                            ["DATASTORE_ID"] = new JsonObject { ["Fn::GetAtt"] = new JsonArray("Datastore", "DatastoreId") },
                        },
                    },
                },
            },
            ["StudyTable5F3E1A0B"] = new JsonObject
            {
                ["Type"] = "AWS::DynamoDB::Table",
                ["Properties"] = new JsonObject { ["TableName"] = TableName },
            },
            ["Datastore"] = new JsonObject
            {
                ["Type"] = "AWS::HealthImaging::Datastore",
                ["Properties"] = new JsonObject { ["DatastoreName"] = Project + "-datastore" },
            },
            ["ProcessingRoleC1D2E3F4"] = new JsonObject
            {
                ["Type"] = "AWS::IAM::Role",
                ["Properties"] = new JsonObject(),
            },
            ["ProcessingStateMachine0A1B2C3D"] = new JsonObject
            {
                ["Type"] = "AWS::StepFunctions::StateMachine",
                ["Properties"] = new JsonObject
                {
                    ["StateMachineName"] = stateMachineName,
                    ["RoleArn"] = new JsonObject { ["Fn::GetAtt"] = new JsonArray("ProcessingRoleC1D2E3F4", "Arn") },
                    ["DefinitionString"] = Join(definition.ToJsonString()),
                },
            },
        },
    }.ToJsonString();

    /// <summary>The serialized definition split at its tokens into a <c>Fn::Join</c>.</summary>
    public static JsonObject Join(string serialized)
    {
        var parts = new JsonArray();
        var last = 0;
        foreach (Match token in TokenPattern().Matches(serialized))
        {
            parts.Add(serialized[last..token.Index]);
            var value = token.Groups["value"].Value;
            parts.Add(token.Groups["kind"].Value == "Ref"
                ? new JsonObject { ["Ref"] = value }
                : new JsonObject { ["Fn::GetAtt"] = new JsonArray(value.Split('.')[0], value.Split('.')[1]) });
            last = token.Index + token.Length;
        }

        parts.Add(serialized[last..]);
        return new JsonObject { ["Fn::Join"] = new JsonArray("", parts) };
    }

    [GeneratedRegex(@"\{\{(?<kind>Ref|GetAtt):(?<value>[^}]+)\}\}")]
    private static partial Regex TokenPattern();
}
