// Synthesizes the contract state machine with the real CDK constructs (aws-cdk-lib from the
// repository's node_modules) into <outdir>, so the emulator can be tested on genuine cdk synth
// output: token rendering, field order, ResultPath null, "S.$" attribute values, default retries.
// Usage: node synth-contract-stack.cjs <outdir>
const cdk = require("aws-cdk-lib");
const sfn = require("aws-cdk-lib/aws-stepfunctions");
const tasks = require("aws-cdk-lib/aws-stepfunctions-tasks");
const lambda = require("aws-cdk-lib/aws-lambda");
const dynamodb = require("aws-cdk-lib/aws-dynamodb");

const project = "stroke-detection-ai";
const app = new cdk.App({ outdir: process.argv[2] });
const stack = new cdk.Stack(app, "ContractStack", { env: { account: "000000000000", region: "us-east-1" } });

const monitor = new lambda.Function(stack, "ImportMonitor", {
  functionName: `${project}-import-monitor`,
  runtime: new lambda.Runtime("dotnet10", lambda.RuntimeFamily.DOTNET_CORE),
  handler: "StrokeIngestion.ImportMonitor::StrokeIngestion.ImportMonitor.Function::Handle",
  // Any existing folder will do: the emulator runs an in-process handler, never this asset.
  code: lambda.Code.fromAsset(__dirname),
});
const table = new dynamodb.Table(stack, "StudyTable", {
  tableName: `${project}-study-metadata`,
  partitionKey: { name: "study_id", type: dynamodb.AttributeType.STRING },
});

const wait = new sfn.Wait(stack, "WaitForImport", { time: sfn.WaitTime.duration(cdk.Duration.seconds(30)) });
const check = new tasks.LambdaInvoke(stack, "CheckImportStatus", {
  lambdaFunction: monitor,
  outputPath: "$.Payload",
  retryOnServiceExceptions: false,
  taskTimeout: sfn.Timeout.duration(cdk.Duration.seconds(60)),
});
check.addRetry({
  errors: [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
    "TransientDependencyException",
    "States.Timeout",
  ],
  interval: cdk.Duration.seconds(2),
  maxAttempts: 4,
  backoffRate: 2,
  maxDelay: cdk.Duration.seconds(30),
  jitterStrategy: sfn.JitterType.FULL,
});

const markStudy = (id, failState, status, reason) => {
  const task = new tasks.DynamoUpdateItem(stack, id, {
    table,
    key: { study_id: tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt("$.study_id")) },
    updateExpression: "SET #status = :status, failure_reason = :reason, updated_at = :now",
    conditionExpression: "#status IN (:received, :importing)",
    expressionAttributeNames: { "#status": "status" },
    expressionAttributeValues: {
      ":status": tasks.DynamoAttributeValue.fromString(status),
      ":reason": tasks.DynamoAttributeValue.fromString(reason),
      ":now": tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt("$$.State.EnteredTime")),
      ":received": tasks.DynamoAttributeValue.fromString("RECEIVED"),
      ":importing": tasks.DynamoAttributeValue.fromString("IMPORTING"),
    },
    resultPath: sfn.JsonPath.DISCARD,
  });
  task.addCatch(failState, { errors: ["DynamoDB.ConditionalCheckFailedException"], resultPath: "$.error" });
  return task.next(failState);
};

const importTimedOut = new sfn.Fail(stack, "ImportTimedOut", { error: "ImportTimedOut", cause: "The import did not finish within the attempt bound." });
const monitorFailed = new sfn.Fail(stack, "MonitorFailed", { error: "MonitorFailed", cause: "The import monitor failed." });
const markTimedOut = markStudy("MarkTimedOut", importTimedOut, "IMPORT_TIMED_OUT", "import_timed_out");
const markMonitorFailed = markStudy("MarkMonitorFailed", monitorFailed, "IMPORT_FAILED", "monitor_error");
check.addCatch(markMonitorFailed, { errors: ["States.ALL"], resultPath: "$.error" });

const publish = new tasks.EventBridgePutEvents(stack, "PublishStudyReady", {
  entries: [
    {
      detail: sfn.TaskInput.fromObject({
        study_id: sfn.JsonPath.stringAt("$.study_id"),
        datastore_id: sfn.JsonPath.stringAt("$.datastore_id"),
        image_set_id: sfn.JsonPath.stringAt("$.image_set_id"),
        image_set_ids: sfn.JsonPath.listAt("$.image_set_ids"),
      }),
      detailType: "Study Ready For Analysis",
      source: project,
    },
  ],
  resultPath: sfn.JsonPath.DISCARD,
});

const isDone = new sfn.Choice(stack, "IsImportDone")
  .when(
    sfn.Condition.and(sfn.Condition.booleanEquals("$.done", true), sfn.Condition.stringEquals("$.status", "READY_FOR_ANALYSIS")),
    publish.next(new sfn.Succeed(stack, "StudyReady")),
  )
  .when(sfn.Condition.booleanEquals("$.done", true), new sfn.Fail(stack, "ImportFailed", { error: "ImportFailed", causePath: "$.failure_reason" }))
  .when(sfn.Condition.numberGreaterThanEquals("$.attempt", 240), markTimedOut)
  .otherwise(wait);

new sfn.StateMachine(stack, "ProcessingStateMachine", {
  stateMachineName: `${project}-processing`,
  definitionBody: sfn.DefinitionBody.fromChainable(wait.next(check).next(isDone)),
  timeout: cdk.Duration.seconds(9000),
});

app.synth();
