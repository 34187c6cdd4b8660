using System.Text.Json.Nodes;

namespace StrokeIngestion.EndToEnd.Tests.StepFunctions;

/// <summary>
/// The polling form of the processing state machine (the first contract: Wait → check → Choice,
/// before AwaitImportEnd and ReadStudyOutcome were added), written as the CDK constructs
/// synthesize it (LambdaInvoke with OutputPath $.Payload, DynamoUpdateItem, EventBridgePutEvents;
/// JSON field order and shapes as cdk synth emits them). A fixed, hand-written definition for
/// testing the emulator's interpreter; the stack's current definition runs in the Sandbox and
/// Proof tests, straight from cdk.out.
/// </summary>
internal static class ContractDefinition
{
    public const int AttemptBound = 240;

    public static JsonObject Build() => new()
    {
        ["StartAt"] = "WaitForImport",
        ["States"] = new JsonObject
        {
            ["WaitForImport"] = new JsonObject { ["Type"] = "Wait", ["Seconds"] = 30, ["Next"] = "CheckImportStatus" },
            ["CheckImportStatus"] = new JsonObject
            {
                ["Next"] = "IsImportDone",
                ["Retry"] = new JsonArray(new JsonObject
                {
                    ["ErrorEquals"] = new JsonArray(
                        "Lambda.ServiceException",
                        "Lambda.AWSLambdaException",
                        "Lambda.SdkClientException",
                        "Lambda.TooManyRequestsException",
                        "TransientDependencyException",
                        "States.Timeout"),
                    ["IntervalSeconds"] = 2,
                    ["MaxAttempts"] = 4,
                    ["BackoffRate"] = 2,
                    ["MaxDelaySeconds"] = 30,
                    ["JitterStrategy"] = "FULL",
                }),
                ["Catch"] = new JsonArray(new JsonObject
                {
                    ["ErrorEquals"] = new JsonArray("States.ALL"),
                    ["ResultPath"] = "$.error",
                    ["Next"] = "MarkMonitorFailed",
                }),
                ["Type"] = "Task",
                ["TimeoutSeconds"] = 60,
                ["OutputPath"] = "$.Payload",
                ["Resource"] = $"arn:{CdkStyleTemplate.Partition}:states:::lambda:invoke",
                ["Parameters"] = new JsonObject
                {
                    ["FunctionName"] = CdkStyleTemplate.MonitorArn,
                    ["Payload.$"] = "$",
                },
            },
            ["IsImportDone"] = new JsonObject
            {
                ["Type"] = "Choice",
                ["Choices"] = new JsonArray(
                    new JsonObject
                    {
                        ["And"] = new JsonArray(
                            new JsonObject { ["Variable"] = "$.done", ["BooleanEquals"] = true },
                            new JsonObject { ["Variable"] = "$.status", ["StringEquals"] = "READY_FOR_ANALYSIS" }),
                        ["Next"] = "PublishStudyReady",
                    },
                    new JsonObject { ["Variable"] = "$.done", ["BooleanEquals"] = true, ["Next"] = "ImportFailed" },
                    new JsonObject { ["Variable"] = "$.attempt", ["NumericGreaterThanEquals"] = AttemptBound, ["Next"] = "MarkTimedOut" }),
                ["Default"] = "WaitForImport",
            },
            ["PublishStudyReady"] = new JsonObject
            {
                ["Next"] = "StudyReady",
                ["Type"] = "Task",
                ["ResultPath"] = null,
                ["Resource"] = $"arn:{CdkStyleTemplate.Partition}:states:::events:putEvents",
                ["Parameters"] = new JsonObject
                {
                    ["Entries"] = new JsonArray(new JsonObject
                    {
                        ["Detail"] = new JsonObject
                        {
                            ["study_id.$"] = "$.study_id",
                            ["datastore_id.$"] = "$.datastore_id",
                            ["image_set_id.$"] = "$.image_set_id",
                            ["image_set_ids.$"] = "$.image_set_ids",
                        },
                        ["DetailType"] = "Study Ready For Analysis",
                        ["Source"] = CdkStyleTemplate.Project,
                    }),
                },
            },
            ["StudyReady"] = new JsonObject { ["Type"] = "Succeed" },
            ["ImportFailed"] = new JsonObject { ["Type"] = "Fail", ["Error"] = "ImportFailed", ["CausePath"] = "$.failure_reason" },
            ["MarkTimedOut"] = MarkStudy("ImportTimedOut", "IMPORT_TIMED_OUT", "import_timed_out"),
            ["ImportTimedOut"] = new JsonObject { ["Type"] = "Fail", ["Error"] = "ImportTimedOut", ["Cause"] = "The import did not finish within the attempt bound." },
            ["MarkMonitorFailed"] = MarkStudy("MonitorFailed", "IMPORT_FAILED", "monitor_error"),
            ["MonitorFailed"] = new JsonObject { ["Type"] = "Fail", ["Error"] = "MonitorFailed", ["Cause"] = "The import monitor failed." },
        },
        ["TimeoutSeconds"] = 9000,
    };

    private static JsonObject MarkStudy(string failState, string status, string reason) => new()
    {
        ["Next"] = failState,
        ["Catch"] = new JsonArray(new JsonObject
        {
            ["ErrorEquals"] = new JsonArray("DynamoDB.ConditionalCheckFailedException"),
            ["ResultPath"] = "$.error",
            ["Next"] = failState,
        }),
        ["Type"] = "Task",
        ["ResultPath"] = null,
        ["Resource"] = $"arn:{CdkStyleTemplate.Partition}:states:::dynamodb:updateItem",
        ["Parameters"] = new JsonObject
        {
            ["Key"] = new JsonObject { ["study_id"] = new JsonObject { ["S.$"] = "$.study_id" } },
            ["TableName"] = CdkStyleTemplate.Table,
            ["ConditionExpression"] = "#status IN (:received, :importing)",
            ["ExpressionAttributeNames"] = new JsonObject { ["#status"] = "status" },
            ["ExpressionAttributeValues"] = new JsonObject
            {
                [":status"] = new JsonObject { ["S"] = status },
                [":reason"] = new JsonObject { ["S"] = reason },
                [":now"] = new JsonObject { ["S.$"] = "$$.State.EnteredTime" },
                [":received"] = new JsonObject { ["S"] = "RECEIVED" },
                [":importing"] = new JsonObject { ["S"] = "IMPORTING" },
            },
            ["UpdateExpression"] = "SET #status = :status, failure_reason = :reason, updated_at = :now",
        },
    };
}
