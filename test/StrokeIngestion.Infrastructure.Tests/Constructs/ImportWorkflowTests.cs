using System.Text.Json.Nodes;
using Amazon.CDK.Assertions;
using StrokeIngestion.Core.Domain;
using StrokeIngestion.Infrastructure.Constructs;
using StrokeIngestion.Infrastructure.Tests.Support;
using static StrokeIngestion.Infrastructure.Tests.Support.J;

namespace StrokeIngestion.Infrastructure.Tests.Constructs;

[Collection(SynthesizedStacks.Name)]
public sealed class ImportWorkflowTests(DefaultStackFixture stack, CustomizedStackFixture customized)
{
    private const string StatesKey = "States";

    private JsonObject Definition => WorkflowDefinition.Read(stack, stack.Placeholders);

    private JsonObject States => Definition[StatesKey]?.AsObject() ?? [];

    private string MonitorArn => "{" + stack.LogicalId(stack.Stack.ImportMonitor.Function) + ".Arn}";

    [Fact]
    public void StateMachine_ShouldBeStandardTracedAndLogEveryTransitionWithoutExecutionData()
    {
        var logsId = stack.LogicalId(stack.Stack.Workflow.Logs);

        stack.Template.HasResourceProperties("AWS::StepFunctions::StateMachine", Obj(
            ("StateMachineName", "stroke-detection-ai-processing"),
            ("StateMachineType", "STANDARD"),
            ("TracingConfiguration", Obj(("Enabled", true))),
            ("LoggingConfiguration", Obj(
                ("Level", "ALL"),
                ("IncludeExecutionData", false),
                ("Destinations", Arr(Obj(("CloudWatchLogsLogGroup", Obj(("LogGroupArn", GetAtt(logsId, "Arn")))))))))));
        stack.Template.HasResourceProperties("AWS::Logs::LogGroup", Obj(
            ("LogGroupName", "/aws/vendedlogs/states/stroke-detection-ai-processing"),
            ("RetentionInDays", 365)));
    }

    [Fact]
    public void Definition_ShouldTimeOutAfter9000SecondsAfterTheEventWaitAndLoopBoundHaveEndedIt()
    {
        Assert.Equal(9000, Definition["TimeoutSeconds"]?.GetValue<int>());
        Assert.True(600 + (ImportWorkflow.MaxAttempts * ImportWorkflow.PollIntervalSeconds) < 9000);
    }

    [Fact]
    public void Definition_WhenTheEventWaitIsAnHour_ShouldMoveTheTimeoutOutSoTheLoopBoundStillEndsFirst()
    {
        var definition = WorkflowDefinition.Read(customized, customized.Placeholders);

        Assert.Equal(3600, definition[StatesKey]?["AwaitImportEnd"]?["TimeoutSeconds"]?.GetValue<int>());
        var timeout = definition["TimeoutSeconds"]?.GetValue<int>();
        Assert.True(3600 + (ImportWorkflow.MaxAttempts * ImportWorkflow.PollIntervalSeconds) < timeout, $"TimeoutSeconds {timeout}");
    }

    [Fact]
    public void Definition_ShouldHaveExactlyTheContractStates()
    {
        var states = States.ToDictionary(s => s.Key, s => s.Value?["Type"]?.GetValue<string>());

        Assert.Equal("AwaitImportEnd", Definition["StartAt"]?.GetValue<string>());
        Assert.Equal(
            new Dictionary<string, string?>
            {
                ["AwaitImportEnd"] = "Task",
                ["WaitForImport"] = "Wait",
                ["CheckImportStatus"] = "Task",
                ["IsImportDone"] = "Choice",
                ["PublishStudyReady"] = "Task",
                ["StudyReady"] = "Succeed",
                ["ImportFailed"] = "Fail",
                ["MarkTimedOut"] = "Task",
                ["ImportTimedOut"] = "Fail",
                ["MarkMonitorFailed"] = "Task",
                ["ReadStudyOutcome"] = "Task",
                ["WasStudyReady"] = "Choice",
                ["ShapeReadyStudy"] = "Pass",
                ["MonitorFailed"] = "Fail",
            },
            states);
    }

    [Fact]
    public void AwaitImportEnd_ShouldInvokeTheMonitorWithTheLoopStateAndTaskTokenAndWaitForIt()
    {
        var state = States["AwaitImportEnd"];

        Assert.Equal("arn:{AWS::Partition}:states:::lambda:invoke.waitForTaskToken", state?["Resource"]?.GetValue<string>());
        AssertJson(
            $$"""
            {
              "FunctionName": "{{MonitorArn}}",
              "Payload": {
                "study_id.$": "$.study_id",
                "datastore_id.$": "$.datastore_id",
                "import_job_id.$": "$.import_job_id",
                "attempt.$": "$.attempt",
                "task_token.$": "$$.Task.Token"
              }
            }
            """,
            state?["Parameters"]);
        Assert.Equal(600, state?["TimeoutSeconds"]?.GetValue<int>());
        Assert.True(state?.AsObject().ContainsKey("ResultPath"));
        Assert.Null(state?["ResultPath"]);
        Assert.Equal("CheckImportStatus", state?["Next"]?.GetValue<string>());
    }

    [Fact]
    public void AwaitImportEnd_ShouldRetryTransientFailuresButNotTheWaitRunningOut()
    {
        var retry = Assert.Single(States["AwaitImportEnd"]?["Retry"]?.AsArray() ?? []);

        Assert.Equal(
            [
                "Lambda.ServiceException",
                "Lambda.AWSLambdaException",
                "Lambda.SdkClientException",
                "Lambda.TooManyRequestsException",
                "Lambda.Unknown",
                "TransientDependencyException",
            ],
            PolicyStatements.Strings(retry?["ErrorEquals"]));
        Assert.True(retry?["BackoffRate"]?.GetValue<double>() > 1);
        Assert.True(retry?["MaxAttempts"]?.GetValue<int>() > 1);
        Assert.Equal("FULL", retry?["JitterStrategy"]?.GetValue<string>());
    }

    [Fact]
    public void AwaitImportEnd_WhenNoEventComesOrTheWaitCannotBeArmed_ShouldFallBackToCheckingThenPolling()
    {
        AssertJson(
            """
            [
              { "ErrorEquals": ["States.Timeout"], "ResultPath": null, "Next": "CheckImportStatus" },
              { "ErrorEquals": ["States.ALL"], "ResultPath": null, "Next": "WaitForImport" }
            ]
            """,
            States["AwaitImportEnd"]?["Catch"]);
    }

    [Fact]
    public void WaitForImport_ShouldWait30SecondsBeforeEachCheck()
    {
        AssertJson("""{ "Type": "Wait", "Seconds": 30, "Next": "CheckImportStatus" }""", States["WaitForImport"]);
    }

    [Fact]
    public void CheckImportStatus_ShouldInvokeTheMonitorWithTheLoopStateAndReplaceItWithThePayload()
    {
        var state = States["CheckImportStatus"];

        Assert.Equal("arn:{AWS::Partition}:states:::lambda:invoke", state?["Resource"]?.GetValue<string>());
        AssertJson($$"""{ "FunctionName": "{{MonitorArn}}", "Payload.$": "$" }""", state?["Parameters"]);
        Assert.Equal("$.Payload", state?["OutputPath"]?.GetValue<string>());
        Assert.Equal("IsImportDone", state?["Next"]?.GetValue<string>());
    }

    [Fact]
    public void CheckImportStatus_ShouldRetryTransientFailuresWithJitteredBackoff()
    {
        var retry = Assert.Single(States["CheckImportStatus"]?["Retry"]?.AsArray() ?? []);

        Assert.Equal(
            [
                "Lambda.ServiceException",
                "Lambda.AWSLambdaException",
                "Lambda.SdkClientException",
                "Lambda.TooManyRequestsException",
                "TransientDependencyException",
                "States.Timeout",
                "Lambda.Unknown",
            ],
            PolicyStatements.Strings(retry?["ErrorEquals"]));
        Assert.True(retry?["BackoffRate"]?.GetValue<double>() > 1);
        Assert.True(retry?["MaxAttempts"]?.GetValue<int>() > 1);
        Assert.Equal("FULL", retry?["JitterStrategy"]?.GetValue<string>());
    }

    [Fact]
    public void CheckImportStatus_WhenTheMonitorRunsIntoItsFunctionTimeout_ShouldRetryRatherThanFailTheStudy()
    {
        // Step Functions reports a Lambda function timeout as Lambda.Unknown; the sandbox's
        // fault run showed every hung poll ending its study IMPORT_FAILED without this.
        var retry = Assert.Single(States["CheckImportStatus"]?["Retry"]?.AsArray() ?? []);

        Assert.Contains("Lambda.Unknown", PolicyStatements.Strings(retry?["ErrorEquals"]));
    }

    [Fact]
    public void CheckImportStatus_WhenEverythingFails_ShouldKeepTheStateAndMarkTheMonitorFailed()
    {
        var state = States["CheckImportStatus"];

        AssertJson("""[{ "ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "MarkMonitorFailed" }]""", state?["Catch"]);
        // States.Timeout in the retry list only means something with a task timeout.
        Assert.True(state?["TimeoutSeconds"]?.GetValue<int>() > 60);
    }

    [Fact]
    public void IsImportDone_ShouldBranchOnReadyThenDoneThenTheAttemptBoundElseLoop()
    {
        AssertJson(
            """
            {
              "Type": "Choice",
              "Choices": [
                {
                  "And": [
                    { "Variable": "$.done", "BooleanEquals": true },
                    { "Variable": "$.status", "StringEquals": "READY_FOR_ANALYSIS" }
                  ],
                  "Next": "PublishStudyReady"
                },
                { "Variable": "$.done", "BooleanEquals": true, "Next": "ImportFailed" },
                { "Variable": "$.attempt", "NumericGreaterThanEquals": 240, "Next": "MarkTimedOut" }
              ],
              "Default": "WaitForImport"
            }
            """,
            States["IsImportDone"]);
    }

    [Fact]
    public void PublishStudyReady_ShouldPutTheReadyEventOnTheDefaultBusThenSucceed()
    {
        var state = States["PublishStudyReady"];

        Assert.Equal("arn:{AWS::Partition}:states:::events:putEvents", state?["Resource"]?.GetValue<string>());
        AssertJson(
            """
            {
              "Entries": [{
                "Source": "stroke-detection-ai",
                "DetailType": "Study Ready For Analysis",
                "Detail": {
                  "study_id.$": "$.study_id",
                  "datastore_id.$": "$.datastore_id",
                  "image_set_id.$": "$.image_set_id",
                  "image_set_ids.$": "$.image_set_ids"
                }
              }]
            }
            """,
            state?["Parameters"]);
        Assert.Equal("StudyReady", state?["Next"]?.GetValue<string>());
    }

    [Theory]
    [InlineData("MarkTimedOut", "IMPORT_TIMED_OUT", "import_timed_out", "ImportTimedOut", "ImportTimedOut")]
    [InlineData("MarkMonitorFailed", "IMPORT_FAILED", "monitor_error", "MonitorFailed", "ReadStudyOutcome")]
    public void MarkState_ShouldRecordTheOutcomeOnlyOnAStudyStillInProgressThenFail(string name, string status, string reason, string fail, string whenAlreadyEnded)
    {
        var state = States[name];

        Assert.Equal("arn:{AWS::Partition}:states:::dynamodb:updateItem", state?["Resource"]?.GetValue<string>());
        AssertJson(
            $$"""
            {
              "TableName": "{StudyMetadataTable}",
              "Key": { "study_id": { "S.$": "$.study_id" } },
              "UpdateExpression": "SET #status = :status, #failure_reason = :failure_reason, #updated_at = :updated_at",
              "ConditionExpression": "#status IN (:received, :queued, :importing, :upload_failed)",
              "ExpressionAttributeNames": {
                "#status": "status",
                "#failure_reason": "failure_reason",
                "#updated_at": "updated_at"
              },
              "ExpressionAttributeValues": {
                ":status": { "S": "{{status}}" },
                ":failure_reason": { "S": "{{reason}}" },
                ":updated_at": { "S.$": "$$.State.EnteredTime" },
                ":received": { "S": "RECEIVED" },
                ":queued": { "S": "QUEUED" },
                ":importing": { "S": "IMPORTING" },
                ":upload_failed": { "S": "UPLOAD_FAILED" }
              }
            }
            """,
            state?["Parameters"]);
        Assert.Equal(fail, state?["Next"]?.GetValue<string>());
        AssertJson($$"""[{ "ErrorEquals": ["DynamoDB.ConditionalCheckFailedException"], "ResultPath": null, "Next": "{{whenAlreadyEnded}}" }]""", state?["Catch"]);
        Assert.Equal("Fail", States[fail]?["Type"]?.GetValue<string>());
    }

    [Fact]
    public void ReadStudyOutcome_ShouldReadTheRecordedOutcomeConsistentlyBesideTheLoopState()
    {
        var state = States["ReadStudyOutcome"];

        Assert.Equal("arn:{AWS::Partition}:states:::dynamodb:getItem", state?["Resource"]?.GetValue<string>());
        AssertJson(
            """
            {
              "TableName": "{StudyMetadataTable}",
              "Key": { "study_id": { "S.$": "$.study_id" } },
              "ConsistentRead": true,
              "ProjectionExpression": "#status,#datastore_id,#image_set_id,#image_set_ids",
              "ExpressionAttributeNames": {
                "#status": "status",
                "#datastore_id": "datastore_id",
                "#image_set_id": "image_set_id",
                "#image_set_ids": "image_set_ids"
              }
            }
            """,
            state?["Parameters"]);
        Assert.Equal("$.study", state?["ResultPath"]?.GetValue<string>());
        Assert.Equal("WasStudyReady", state?["Next"]?.GetValue<string>());
        var retry = Assert.Single(state?["Retry"]?.AsArray() ?? []);
        Assert.Equal(ImportWorkflow.DynamoRetryErrors, PolicyStatements.Strings(retry?["ErrorEquals"]));
    }

    [Fact]
    public void ReadStudyOutcome_WhenTheReadKeepsFailing_ShouldEndInMonitorFailed()
    {
        AssertJson("""[{ "ErrorEquals": ["States.ALL"], "ResultPath": null, "Next": "MonitorFailed" }]""", States["ReadStudyOutcome"]?["Catch"]);
    }

    [Fact]
    public void WasStudyReady_ShouldSendOnlyAReadyRecordToPublishingElseFail()
    {
        AssertJson(
            """
            {
              "Type": "Choice",
              "Choices": [
                {
                  "And": [
                    { "Variable": "$.study.Item.status.S", "IsPresent": true },
                    { "Variable": "$.study.Item.status.S", "StringEquals": "READY_FOR_ANALYSIS" }
                  ],
                  "Next": "ShapeReadyStudy"
                }
              ],
              "Default": "MonitorFailed"
            }
            """,
            States["WasStudyReady"]);
    }

    [Fact]
    public void ShapeReadyStudy_ShouldGivePublishStudyReadyExactlyTheFieldsItReadsFromTheRecord()
    {
        var state = States["ShapeReadyStudy"];
        var publishedFields = States["PublishStudyReady"]?["Parameters"]?["Entries"]?[0]?["Detail"]?.AsObject()
            .Select(p => p.Value?.GetValue<string>()?.TrimStart('$', '.'));

        AssertJson(
            """
            {
              "Type": "Pass",
              "Parameters": {
                "study_id.$": "$.study_id",
                "datastore_id.$": "$.study.Item.datastore_id.S",
                "image_set_id.$": "$.study.Item.image_set_id.S",
                "image_set_ids.$": "$.study.Item.image_set_ids.L[*].S"
              },
              "Next": "PublishStudyReady"
            }
            """,
            state);
        Assert.Equal(
            state?["Parameters"]?.AsObject().Select(p => p.Key[..^2]).Order(StringComparer.Ordinal),
            publishedFields?.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void StatusValues_ShouldBeTheOnesCoreWrites()
    {
        Assert.Equal(StudyStatus.Received, ImportWorkflow.StatusReceived);
        Assert.Equal(StudyStatus.Queued, ImportWorkflow.StatusQueued);
        Assert.Equal(StudyStatus.Importing, ImportWorkflow.StatusImporting);
        Assert.Equal(StudyStatus.UploadFailed, ImportWorkflow.StatusUploadFailed);
        Assert.Equal(
            StudyStatus.Monitorable.Order(StringComparer.Ordinal),
            new[] { ImportWorkflow.StatusReceived, ImportWorkflow.StatusQueued, ImportWorkflow.StatusImporting, ImportWorkflow.StatusUploadFailed }.Order(StringComparer.Ordinal));
        Assert.Equal(StudyStatus.ReadyForAnalysis, ImportWorkflow.StatusReadyForAnalysis);
        Assert.Equal(StudyStatus.ImportFailed, ImportWorkflow.StatusImportFailed);
        Assert.Equal(StudyStatus.ImportTimedOut, ImportWorkflow.StatusImportTimedOut);
    }

    [Fact]
    public void BackstopRule_ShouldSendBadExecutionEndingsOfThisMachineToTheMonitor()
    {
        var machineId = stack.LogicalId(stack.Stack.Workflow.StateMachine);
        var monitorId = stack.LogicalId(stack.Stack.ImportMonitor.Function);
        var queueId = stack.LogicalId(stack.Stack.Workflow.BackstopDeadLetterQueue);

        stack.Template.HasResourceProperties("AWS::Events::Rule", Obj(
            ("EventPattern", Obj(
                ("source", Arr("aws.states")),
                ("detail-type", Arr("Step Functions Execution Status Change")),
                ("detail", Obj(
                    ("status", Arr("TIMED_OUT", "ABORTED", "FAILED")),
                    ("stateMachineArn", Arr(Ref(machineId))))))),
            ("Targets", Arr(Obj(
                ("Arn", GetAtt(monitorId, "Arn")),
                ("Id", Match.AnyValue()),
                ("InputTransformer", Obj(
                    ("InputPathsMap", Obj(("detail-name", "$.detail.name"), ("detail-status", "$.detail.status"))),
                    ("InputTemplate", "{\"execution_name\":<detail-name>,\"execution_status\":<detail-status>}"))),
                ("RetryPolicy", Obj(("MaximumRetryAttempts", 8), ("MaximumEventAgeInSeconds", 86400))),
                ("DeadLetterConfig", Obj(("Arn", GetAtt(queueId, "Arn")))))))));
        stack.Template.HasResourceProperties("AWS::Lambda::Permission", Obj(
            ("Principal", "events.amazonaws.com"),
            ("FunctionName", GetAtt(monitorId, "Arn"))));
    }

    [Fact]
    public void ImportEndedRule_ShouldSendThisDatastoresImportEndEventsToTheMonitor()
    {
        var monitorId = stack.LogicalId(stack.Stack.ImportMonitor.Function);
        var queueId = stack.LogicalId(stack.Stack.Workflow.BackstopDeadLetterQueue);

        stack.Template.HasResourceProperties("AWS::Events::Rule", Obj(
            ("Name", "stroke-detection-ai-import-job-ended"),
            ("EventPattern", Obj(
                ("source", Arr("aws.medical-imaging")),
                ("detail-type", Arr("Import Job Completed", "Import Job Failed")),
                ("detail", Obj(("datastoreId", Arr(GetAtt("ImagingDatastore", "DatastoreId"))))))),
            ("Targets", Arr(Obj(
                ("Arn", GetAtt(monitorId, "Arn")),
                ("Id", Match.AnyValue()),
                ("InputTransformer", Match.AnyValue()),
                ("RetryPolicy", Obj(("MaximumRetryAttempts", 8), ("MaximumEventAgeInSeconds", 86400))),
                ("DeadLetterConfig", Obj(("Arn", GetAtt(queueId, "Arn")))))))));
    }

    [Fact]
    public void ImportEndedRule_WhenHealthImagingReportsAnImportEnd_ShouldHandTheMonitorExactlyTheContractShape()
    {
        var transformer = ImportEndedTarget()["InputTransformer"];
        var sample = JsonNode.Parse(
            """
            {
              "version": "0", "id": "b8f0a3d2-7d1c-4c1e-9a55-1f0e2d3c4b5a",
              "detail-type": "Import Job Completed", "source": "aws.medical-imaging",
              "account": "123456789012", "time": "2026-11-25T12:04:00Z", "region": "eu-west-2", "resources": [],
              "detail": {
                "imagingVersion": "1.0", "datastoreId": "0123456789abcdef0123456789abcdef",
                "jobId": "5b9e4e8d0f1a2b3c", "jobName": "stroke-STUDY-0123456789ab", "jobStatus": "COMPLETED",
                "inputS3Uri": "s3://bucket/imports/STUDY-0123456789ab/", "outputS3Uri": "s3://bucket/import-output/STUDY-0123456789ab/"
              }
            }
            """);

        var delivered = EventBridgeInput.Transform(transformer, sample);

        AssertJson(
            """
            {
              "import_job_event": {
                "datastore_id": "0123456789abcdef0123456789abcdef",
                "job_id": "5b9e4e8d0f1a2b3c",
                "job_name": "stroke-STUDY-0123456789ab",
                "job_status": "COMPLETED"
              }
            }
            """,
            delivered);
    }

    [Fact]
    public void BackstopQueue_ShouldBeEncryptedAndCatchFailedMonitorInvocationsToo()
    {
        var queueId = stack.LogicalId(stack.Stack.Workflow.BackstopDeadLetterQueue);
        var monitorId = stack.LogicalId(stack.Stack.ImportMonitor.Function);

        stack.Template.HasResourceProperties("AWS::SQS::Queue", Obj(
            ("QueueName", "stroke-detection-ai-workflow-backstop-dlq"),
            ("SqsManagedSseEnabled", true)));
        stack.Template.HasResourceProperties("AWS::Lambda::EventInvokeConfig", Obj(
            ("FunctionName", Ref(monitorId)),
            ("DestinationConfig", Obj(("OnFailure", Obj(("Destination", GetAtt(queueId, "Arn"))))))));
    }

    private JsonObject ImportEndedTarget()
    {
        var rule = stack.OfType("AWS::Events::Rule")
            .Single(r => r.Resource["Properties"]?["Name"]?.GetValue<string>() == "stroke-detection-ai-import-job-ended");
        return Assert.Single(rule.Resource["Properties"]?["Targets"]?.AsArray() ?? [])?.AsObject() ?? [];
    }

    private static void AssertJson(string expected, JsonNode? actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), actual), "Actual: " + actual?.ToJsonString());
}

/// <summary>The state machine's DefinitionString, intrinsics rendered, as JSON.</summary>
internal static class WorkflowDefinition
{
    public static JsonObject Read(StackFixture stack, TemplateTokens tokens)
    {
        var (_, machine) = stack.Single("AWS::StepFunctions::StateMachine");
        var text = tokens.Render(machine["Properties"]?["DefinitionString"]);
        return JsonNode.Parse(text)?.AsObject() ?? throw new InvalidOperationException("Empty definition.");
    }
}

/// <summary>
/// What EventBridge does with an input transformer: each <c>&lt;name&gt;</c> in the template
/// becomes the JSON value at its path in the event (strings quoted, as they are when the
/// placeholder stands unquoted, as CDK writes them).
/// </summary>
internal static class EventBridgeInput
{
    public static JsonNode? Transform(JsonNode? transformer, JsonNode? sample)
    {
        var template = transformer?["InputTemplate"]?.GetValue<string>() ?? throw new InvalidOperationException("No InputTemplate.");
        foreach (var (name, path) in transformer["InputPathsMap"]?.AsObject() ?? [])
        {
            var node = sample;
            foreach (var segment in (path?.GetValue<string>() ?? "$").Split('.').Skip(1))
            {
                node = node?[segment];
            }

            template = template.Replace($"<{name}>", node?.ToJsonString() ?? "null", StringComparison.Ordinal);
        }

        return JsonNode.Parse(template);
    }
}
