using System.Text.Json.Nodes;
using StrokeIngestion.Sandbox.HealthImaging;
using StrokeIngestion.Sandbox.Host;
using StrokeIngestion.Sandbox.StepFunctions.Tasks;
using StrokeIngestion.Sandbox.Template;

namespace StrokeIngestion.EndToEnd.Tests.Host;

/// <summary>The stack's EventBridge rules as the sandbox runs them: pattern, input transformer, retries.</summary>
public sealed class EventRuleDefinitionTests
{
    private const string DatastoreId = "5a4d1e0c2b3f4a6e8d7c9b0a1f2e3d4c";
    private const string MonitorArn = "arn:aws:lambda:us-east-1:000000000000:function:stroke-detection-ai-import-monitor";

    // What cdk synth writes for the import-ended rule (RuleTargetInput.fromObject + EventField).
    private const string Template = """
        {"Resources":{
          "Monitor":{"Type":"AWS::Lambda::Function","Properties":{"FunctionName":"stroke-detection-ai-import-monitor"}},
          "Datastore":{"Type":"AWS::HealthImaging::Datastore","Properties":{}},
          "Dlq":{"Type":"AWS::SQS::Queue","Properties":{}},
          "Rule":{"Type":"AWS::Events::Rule","Properties":{
            "Name":"stroke-detection-ai-import-job-ended",
            "EventPattern":{"source":["aws.medical-imaging"],"detail-type":["Import Job Completed","Import Job Failed"],
              "detail":{"datastoreId":[{"Fn::GetAtt":["Datastore","DatastoreId"]}]}},
            "Targets":[{"Arn":{"Fn::GetAtt":["Monitor","Arn"]},"Id":"Target0",
              "DeadLetterConfig":{"Arn":{"Fn::GetAtt":["Dlq","Arn"]}},
              "RetryPolicy":{"MaximumEventAgeInSeconds":86400,"MaximumRetryAttempts":8},
              "InputTransformer":{
                "InputPathsMap":{"detail-datastoreId":"$.detail.datastoreId","detail-jobId":"$.detail.jobId","detail-jobName":"$.detail.jobName","detail-jobStatus":"$.detail.jobStatus"},
                "InputTemplate":"{\"import_job_event\":{\"datastore_id\":<detail-datastoreId>,\"job_id\":<detail-jobId>,\"job_name\":<detail-jobName>,\"job_status\":<detail-jobStatus>}}"}}]}}}}
        """;

    private readonly EventLog _log = new(TimeProvider.System, "us-east-1", "000000000000", null);

    [Fact]
    public void TargetInput_WhenTheSynthesizedRuleMatchesAnImportEvent_ShouldProduceWhatTheContractSays()
    {
        // Arrange
        var rule = Assert.Single(EventRuleDefinition.Find(Load(), ImportJobEvent.Source, MonitorArn));
        var importEvent = Event(DatastoreId, "FAILED");

        // Act
        var envelope = Envelope(importEvent);
        var matched = rule.Matches(envelope);
        var input = rule.TargetInput(envelope);

        // Assert
        Assert.True(matched);
        Assert.Equal(ImportJobEndedRule.Transform(importEvent), input);
        Assert.Equal(8, rule.RetryAttempts);
        Assert.Equal("stroke-detection-ai-import-job-ended", rule.Name);
    }

    [Fact]
    public void Matches_WhenTheEventIsOfAnotherDatastore_ShouldBeFalse()
    {
        // Arrange
        var rule = Assert.Single(EventRuleDefinition.Find(Load(), ImportJobEvent.Source, MonitorArn));

        // Act
        var matched = rule.Matches(Envelope(Event("ffffffffffffffffffffffffffffffff", "COMPLETED")));

        // Assert
        Assert.False(matched);
    }

    [Fact]
    public void TargetInput_WhenAPlaceholderSitsInsideAString_ShouldInsertTheRawText()
    {
        // Arrange
        var json = Template.Replace("\\\"job_name\\\":<detail-jobName>", "\\\"job_name\\\":\\\"job <detail-jobName>\\\"", StringComparison.Ordinal);
        var rule = Assert.Single(EventRuleDefinition.Find(Load(json), ImportJobEvent.Source, MonitorArn));

        // Act
        var input = JsonNode.Parse(rule.TargetInput(Envelope(Event(DatastoreId, "COMPLETED"))));

        // Assert
        Assert.Equal("job stroke-STUDY-0123456789ab", input?["import_job_event"]?["job_name"]?.GetValue<string>());
    }

    [Fact]
    public void Find_WhenTheRuleTargetsAnotherFunction_ShouldFindNothing()
    {
        // Act
        var rules = EventRuleDefinition.Find(Load(), ImportJobEvent.Source, MonitorArn.Replace("import-monitor", "other", StringComparison.Ordinal));

        // Assert
        Assert.Empty(rules);
    }

    private static SynthesizedTemplate Load(string json = Template) => SynthesizedTemplate.Parse(
        json,
        new TemplateContext(AttributeOverrides: new Dictionary<string, string> { ["Datastore.DatastoreId"] = DatastoreId }));

    private static ImportJobEvent Event(string datastoreId, string status) => new(
        datastoreId,
        "job1",
        "stroke-STUDY-0123456789ab",
        status,
        "s3://bucket/imports/STUDY-0123456789ab/",
        "s3://bucket/import-output/STUDY-0123456789ab/",
        $"arn:aws:medical-imaging:us-east-1:000000000000:datastore/{datastoreId}");

    private JsonObject Envelope(ImportJobEvent importEvent) =>
        _log.ToEnvelope(_log.Record("default", ImportJobEvent.Source, importEvent.DetailType, importEvent.Detail().ToJsonString(), [importEvent.DatastoreArn]));
}
