using Amazon.CDK;
using Amazon.CDK.AWS.DynamoDB;
using Amazon.CDK.AWS.Events;
using Amazon.CDK.AWS.Events.Targets;
using Amazon.CDK.AWS.Lambda;
using Amazon.CDK.AWS.Lambda.Destinations;
using Amazon.CDK.AWS.Logs;
using Amazon.CDK.AWS.SQS;
using Amazon.CDK.AWS.StepFunctions;
using Amazon.CDK.AWS.StepFunctions.Tasks;
using Constructs;

namespace StrokeIngestion.Infrastructure.Constructs;

/// <param name="ImportEventWaitSeconds">How long AwaitImportEnd waits for the import-end event before polling.</param>
internal sealed record ImportWorkflowProps(
    string ProjectName,
    IFunction MonitorFunction,
    ITable StudyTable,
    EncryptedLogs Logs,
    string DatastoreId,
    int ImportEventWaitSeconds);

/// <summary>
/// The state machine that follows one HealthImaging import to its end (the contract in the
/// brief: state names, loop bound, error handling), the rule that wakes it when HealthImaging
/// reports the import's end, and the backstop that marks a study failed when an execution
/// itself fails, times out or is aborted.
/// </summary>
/// <remarks>
/// The workflow first waits for HealthImaging's <c>Import Job Completed</c>/<c>Failed</c>
/// event (AwaitImportEnd, a task token the monitor answers), then checks the import once:
/// five state transitions for an import that ends within the wait, where polling every 30 s
/// costs three per poll. The events are best effort, so when none comes within the wait the
/// workflow falls back to the 30 s poll loop.
/// </remarks>
internal sealed class ImportWorkflow : Construct
{
    public const int PollIntervalSeconds = 30;

    /// <summary>240 polls of 30 s: two hours, which ends every execution before the state machine timeout.</summary>
    public const int MaxAttempts = 240;

    /// <summary>
    /// The state machine's timeout with the default event wait: 600 + 240 × 30 = 7,800 s end
    /// every execution first. A longer wait moves the timeout out by as much (see <see cref="TimeoutSecondsFor"/>).
    /// </summary>
    public const int TimeoutSeconds = 9000;

    // Slack between the loop's own end (event wait + every poll) and the state machine timeout,
    // for retries and the Lambda invocations themselves.
    private const int TimeoutMarginSeconds = 1200;

    public const string StudyReadyDetailType = "Study Ready For Analysis";

    // Status strings of the study record (Core's StudyStatus); a test keeps them in step.
    public const string StatusReceived = "RECEIVED";
    public const string StatusQueued = "QUEUED";
    public const string StatusImporting = "IMPORTING";
    public const string StatusUploadFailed = "UPLOAD_FAILED";
    public const string StatusReadyForAnalysis = "READY_FOR_ANALYSIS";
    public const string StatusImportFailed = "IMPORT_FAILED";
    public const string StatusImportTimedOut = "IMPORT_TIMED_OUT";

    public static readonly IReadOnlyList<string> MonitorRetryErrors =
    [
        "Lambda.ServiceException",
        "Lambda.AWSLambdaException",
        "Lambda.SdkClientException",
        "Lambda.TooManyRequestsException",
        "TransientDependencyException",
        "States.Timeout",

        // A function timeout (or running out of memory) is reported as Lambda.Unknown, not
        // States.Timeout: the function's own timeout ends the invocation before the task's.
        // The monitor is idempotent, so a hung poll is worth another try rather than failing
        // a study whose import may well have succeeded.
        "Lambda.Unknown",
    ];

    /// <summary>
    /// AwaitImportEnd's retries: the check's list without States.Timeout, which here means
    /// "no event within the wait" and is caught to fall back to polling.
    /// </summary>
    public static readonly IReadOnlyList<string> AwaitRetryErrors =
    [
        "Lambda.ServiceException",
        "Lambda.AWSLambdaException",
        "Lambda.SdkClientException",
        "Lambda.TooManyRequestsException",
        "Lambda.Unknown",
        "TransientDependencyException",
    ];

    /// <summary>HealthImaging's detail-types for an import job that has ended.</summary>
    public static readonly string[] ImportEndedDetailTypes = ["Import Job Completed", "Import Job Failed"];

    public static readonly IReadOnlyList<string> DynamoRetryErrors =
    [
        "DynamoDB.ProvisionedThroughputExceededException",
        "DynamoDB.RequestLimitExceeded",
        "DynamoDB.InternalServerError",
    ];

    /// <summary>Execution statuses the backstop rule reacts to (everything that ends an execution badly).</summary>
    public static readonly string[] BackstopStatuses = ["TIMED_OUT", "ABORTED", "FAILED"];

    public const string ConditionalCheckFailed = "DynamoDB.ConditionalCheckFailedException";

    public ImportWorkflow(Construct scope, string id, ImportWorkflowProps props)
        : base(scope, id)
    {
        ArgumentNullException.ThrowIfNull(props);
        ImportEventWaitSeconds = props.ImportEventWaitSeconds;

        var waitForImport = new Wait(this, "WaitForImport", new WaitProps
        {
            Time = WaitTime.Duration(Duration.Seconds(PollIntervalSeconds)),
        });

        var checkImportStatus = new LambdaInvoke(this, "CheckImportStatus", new LambdaInvokeProps
        {
            LambdaFunction = props.MonitorFunction,
            // The monitor's answer replaces the loop state (contract: OutputPath $.Payload).
            OutputPath = "$.Payload",
            // The contract's own retry list below replaces CDK's default one.
            RetryOnServiceExceptions = false,
            // Longer than the function's 60 s timeout: a hung function surfaces as Lambda.Unknown
            // when that timeout ends it; States.Timeout only when the invoke itself never returns.
            TaskTimeout = Amazon.CDK.AWS.StepFunctions.Timeout.Duration(Duration.Seconds(90)),
        });
        checkImportStatus.AddRetry(new RetryProps
        {
            Errors = [.. MonitorRetryErrors],
            Interval = Duration.Seconds(2),
            MaxAttempts = 6,
            BackoffRate = 2,
            MaxDelay = Duration.Seconds(60),
            // Many imports poll in step; jitter keeps their retries from arriving together.
            JitterStrategy = JitterType.FULL,
        });

        var awaitImportEnd = new LambdaInvoke(this, "AwaitImportEnd", new LambdaInvokeProps
        {
            LambdaFunction = props.MonitorFunction,
            // The monitor parks the token on the study; the import event (or the monitor itself,
            // when the event came first) answers it with SendTaskSuccess.
            IntegrationPattern = IntegrationPattern.WAIT_FOR_TASK_TOKEN,
            Payload = TaskInput.FromObject(new Dictionary<string, object>
            {
                ["study_id"] = JsonPath.StringAt("$.study_id"),
                ["datastore_id"] = JsonPath.StringAt("$.datastore_id"),
                ["import_job_id"] = JsonPath.StringAt("$.import_job_id"),
                ["attempt"] = JsonPath.NumberAt("$.attempt"),
                ["task_token"] = JsonPath.TaskToken,
            }),
            TaskTimeout = Amazon.CDK.AWS.StepFunctions.Timeout.Duration(Duration.Seconds(props.ImportEventWaitSeconds)),
            // The token's answer carries nothing: the loop state goes on to the check unchanged.
            ResultPath = JsonPath.DISCARD,
            RetryOnServiceExceptions = false,
        });
        awaitImportEnd.AddRetry(new RetryProps
        {
            Errors = [.. AwaitRetryErrors],
            Interval = Duration.Seconds(2),
            MaxAttempts = 6,
            BackoffRate = 2,
            MaxDelay = Duration.Seconds(60),
            JitterStrategy = JitterType.FULL,
        });
        awaitImportEnd.AddCatch(checkImportStatus, new CatchProps
        {
            // No event within the wait (they are best effort): check once, then poll.
            Errors = [Errors.TIMEOUT],
            ResultPath = JsonPath.DISCARD,
        });
        awaitImportEnd.AddCatch(waitForImport, new CatchProps
        {
            // The wait could not even be armed: polling needs nothing the arm needed.
            Errors = [Errors.ALL],
            ResultPath = JsonPath.DISCARD,
        });
        awaitImportEnd.Next(checkImportStatus);

        var importFailed = new Fail(this, "ImportFailed", new FailProps
        {
            Error = "ImportFailed",
            Cause = "The HealthImaging import ended without a usable image set; the study record holds the reason.",
        });
        var importTimedOut = new Fail(this, "ImportTimedOut", new FailProps
        {
            Error = "ImportTimedOut",
            Cause = $"The import did not finish within {MaxAttempts} status checks.",
        });
        var monitorFailed = new Fail(this, "MonitorFailed", new FailProps
        {
            Error = "MonitorFailed",
            Cause = "The import status check kept failing; the study is marked failed.",
        });

        var markTimedOut = MarkStudy("MarkTimedOut", props.StudyTable, StatusImportTimedOut, "import_timed_out", importTimedOut, importTimedOut);

        var publishStudyReady = new EventBridgePutEvents(this, "PublishStudyReady", new EventBridgePutEventsProps
        {
            Entries =
            [
                new EventBridgePutEventsEntry
                {
                    // No EventBus: the account's default bus.
                    Source = props.ProjectName,
                    DetailType = StudyReadyDetailType,
                    Detail = TaskInput.FromObject(new Dictionary<string, object>
                    {
                        ["study_id"] = JsonPath.StringAt("$.study_id"),
                        ["datastore_id"] = JsonPath.StringAt("$.datastore_id"),
                        ["image_set_id"] = JsonPath.StringAt("$.image_set_id"),
                        ["image_set_ids"] = JsonPath.ListAt("$.image_set_ids"),
                    }),
                },
            ],
            ResultPath = JsonPath.DISCARD,
        });
        publishStudyReady.AddRetry(new RetryProps
        {
            Errors = [Errors.TASKS_FAILED],
            Interval = Duration.Seconds(2),
            MaxAttempts = 3,
            BackoffRate = 2,
            JitterStrategy = JitterType.FULL,
        });
        publishStudyReady.Next(new Succeed(this, "StudyReady"));

        // MarkMonitorFailed finds the study already ended when the monitor recorded the outcome
        // and its invocation failed afterwards (timed out after the write, then every retry
        // failed too). A READY study must still be announced, or Phase 2 never analyses it.
        var markMonitorFailed = MarkStudy(
            "MarkMonitorFailed",
            props.StudyTable,
            StatusImportFailed,
            "monitor_error",
            monitorFailed,
            ReadStudyOutcome(props.StudyTable, publishStudyReady, monitorFailed));

        checkImportStatus.AddCatch(markMonitorFailed, new CatchProps
        {
            Errors = [Errors.ALL],
            // Keeps the loop state (study_id) for the update; the error lands beside it.
            ResultPath = "$.error",
        });

        var isImportDone = new Choice(this, "IsImportDone")
            .When(
                Condition.And(
                    Condition.BooleanEquals("$.done", true),
                    Condition.StringEquals("$.status", StatusReadyForAnalysis)),
                publishStudyReady)
            .When(Condition.BooleanEquals("$.done", true), importFailed)
            .When(Condition.NumberGreaterThanEquals("$.attempt", MaxAttempts), markTimedOut)
            .Otherwise(waitForImport);

        waitForImport.Next(checkImportStatus).Next(isImportDone);

        // The /aws/vendedlogs/ prefix lets Step Functions share one CloudWatch Logs resource
        // policy across state machines instead of growing it (5,120-character limit) per machine.
        Logs = props.Logs.NewLogGroup(this, "Logs", $"/aws/vendedlogs/states/{props.ProjectName}-processing");

        StateMachine = new StateMachine(this, "StateMachine", new StateMachineProps
        {
            StateMachineName = StateMachineName(props.ProjectName),
            StateMachineType = StateMachineType.STANDARD,
            Comment = "Waits for a HealthImaging import to end (its event, else a 30 s poll) and records the outcome on the study",
            DefinitionBody = DefinitionBody.FromChainable(awaitImportEnd),
            Timeout = Duration.Seconds(TimeoutSecondsFor(props.ImportEventWaitSeconds)),
            TracingEnabled = true,
            Logs = new LogOptions
            {
                Destination = Logs,
                // Every transition, kept for the log retention period: the execution history that
                // records them too is deleted 90 days after an execution ends, too soon for an audit.
                // Without execution data an event is a state name, a type and a time: a few hundred
                // bytes, about nine per 30-second poll.
                Level = LogLevel.ALL,
                // Execution data carries ids only, but logs are no place to find that out the hard way.
                IncludeExecutionData = false,
            },
        });

        var machinePolicy = NagSuppressions.DefaultPolicyOf(StateMachine.Role);
        machinePolicy.SuppressNag(
            "AwsSolutions-IAM5",
            "Tracing and log delivery: the X-Ray actions and the CloudWatch Logs delivery actions "
            + "(logs:CreateLogDelivery and friends) that Step Functions needs have no resource-level "
            + "permissions, so IAM only accepts them on \"*\".",
            NagFinding.AnyResource);
        machinePolicy.SuppressNag(
            "AwsSolutions-IAM5",
            "CheckImportStatus and AwaitImportEnd may invoke the monitor function's versions and aliases (ARN:qualifier), as "
            + "CDK's Lambda task grants; it is still this one function and nothing else.",
            NagFinding.Resource(this, props.MonitorFunction.FunctionArn + ":*"));
        machinePolicy.SuppressNag(
            "HIPAA.Security-IAMNoInlinePolicy",
            "This policy belongs to one role, the state machine's own, and is created and deleted with it; "
            + "that one-to-one binding is what AWS recommends inline policies for. A managed policy would be "
            + "a separately attachable object granting the same statements.");

        BackstopDeadLetterQueue = new Queue(this, "BackstopDeadLetterQueue", new QueueProps
        {
            QueueName = $"{props.ProjectName}-workflow-backstop-dlq",
            Encryption = QueueEncryption.SQS_MANAGED,
            EnforceSSL = true,
            RetentionPeriod = Duration.Days(14),
        });

        // EventBridge invokes the monitor asynchronously: a failing invocation is retried by
        // Lambda and then parked here, beside the events EventBridge could not deliver at all.
        props.MonitorFunction.ConfigureAsyncInvoke(new EventInvokeConfigOptions
        {
            RetryAttempts = 2,
            MaxEventAge = Duration.Hours(6),
            OnFailure = new SqsDestination(BackstopDeadLetterQueue),
        });
        props.MonitorFunction.SuppressNag(
            "HIPAA.Security-LambdaDLQ",
            "Failed asynchronous invocations go to the backstop queue through the on-failure destination "
            + "above, which records the error with the event. A DeadLetterConfig as well would put every "
            + "failed event in the queue twice; the state machine's synchronous invokes have their own retries.");
        BackstopDeadLetterQueue.SuppressNag(
            "AwsSolutions-SQS3",
            "This queue is itself a dead-letter queue: the monitor's on-failure destination and the "
            + "backstop rule's target DeadLetterConfig point at it. SQS3 only recognises queues named in "
            + "another queue's RedrivePolicy or a function's DeadLetterConfig.");

        BackstopRule = new Rule(this, "ExecutionEndedBadlyRule", new RuleProps
        {
            RuleName = $"{props.ProjectName}-processing-backstop",
            Description = "Marks the study failed when a processing execution fails, times out or is aborted",
            EventPattern = new EventPattern
            {
                Source = ["aws.states"],
                DetailType = ["Step Functions Execution Status Change"],
                Detail = new Dictionary<string, object>
                {
                    ["status"] = BackstopStatuses,
                    ["stateMachineArn"] = new[] { StateMachine.StateMachineArn },
                },
            },
        });
        BackstopRule.AddTarget(new LambdaFunction(props.MonitorFunction, new LambdaFunctionProps
        {
            Event = RuleTargetInput.FromObject(new Dictionary<string, object>
            {
                ["execution_name"] = EventField.FromPath("$.detail.name"),
                ["execution_status"] = EventField.FromPath("$.detail.status"),
            }),
            RetryAttempts = 8,
            MaxEventAge = Duration.Hours(24),
            DeadLetterQueue = BackstopDeadLetterQueue,
        }));

        ImportEndedRule = new Rule(this, "ImportJobEndedRule", new RuleProps
        {
            RuleName = $"{props.ProjectName}-import-job-ended",
            Description = "Wakes the processing workflow waiting for a HealthImaging import of this datastore to end",
            EventPattern = new EventPattern
            {
                Source = ["aws.medical-imaging"],
                DetailType = ImportEndedDetailTypes,
                Detail = new Dictionary<string, object>
                {
                    ["datastoreId"] = new[] { props.DatastoreId },
                },
            },
        });
        ImportEndedRule.AddTarget(new LambdaFunction(props.MonitorFunction, new LambdaFunctionProps
        {
            // Only what the monitor needs to find the study: the input paths and image set
            // details stay in EventBridge.
            Event = RuleTargetInput.FromObject(new Dictionary<string, object>
            {
                ["import_job_event"] = new Dictionary<string, object>
                {
                    ["datastore_id"] = EventField.FromPath("$.detail.datastoreId"),
                    ["job_id"] = EventField.FromPath("$.detail.jobId"),
                    ["job_name"] = EventField.FromPath("$.detail.jobName"),
                    ["job_status"] = EventField.FromPath("$.detail.jobStatus"),
                },
            }),
            RetryAttempts = 8,
            MaxEventAge = Duration.Hours(24),
            DeadLetterQueue = BackstopDeadLetterQueue,
        }));
    }

    /// <summary>Seconds AwaitImportEnd waits for the import-end event before falling back to polling.</summary>
    public int ImportEventWaitSeconds { get; }

    public StateMachine StateMachine { get; }

    /// <summary>HealthImaging's import-end events for this datastore, to the monitor.</summary>
    public Rule ImportEndedRule { get; }

    public LogGroup Logs { get; }

    public Rule BackstopRule { get; }

    public Queue BackstopDeadLetterQueue { get; }

    /// <summary>The state machine's fixed name.</summary>
    public static string StateMachineName(string projectName) => $"{projectName}-processing";

    /// <summary>
    /// The state machine's ARN built from its fixed name, for grants to the monitor: a reference
    /// to the state machine would make a cycle (function → its policy → state machine → function).
    /// </summary>
    public static string StateMachineArnFor(Stack stack, string projectName) => stack.FormatArn(new ArnComponents
    {
        Service = "states",
        Resource = "stateMachine",
        ResourceName = StateMachineName(projectName),
        ArnFormat = ArnFormat.COLON_RESOURCE_NAME,
    });

    /// <summary>
    /// <see cref="TimeoutSeconds"/>, or more when the event wait plus every poll would not end
    /// an execution with <see cref="TimeoutMarginSeconds"/> to spare: the attempt bound must end
    /// the loop first, so that a slow import is marked <c>import_timed_out</c> by MarkTimedOut.
    /// </summary>
    public static int TimeoutSecondsFor(int importEventWaitSeconds) =>
        Math.Max(TimeoutSeconds, importEventWaitSeconds + (MaxAttempts * PollIntervalSeconds) + TimeoutMarginSeconds);

    /// <summary>
    /// ReadStudyOutcome → WasStudyReady: a study the monitor recorded READY goes on to
    /// PublishStudyReady with the fields it reads, taken from the record; any other outcome,
    /// or a read that keeps failing, ends in <paramref name="otherwise"/>.
    /// </summary>
    private DynamoGetItem ReadStudyOutcome(ITable table, IChainable publishStudyReady, Fail otherwise)
    {
        var read = new DynamoGetItem(this, "ReadStudyOutcome", new DynamoGetItemProps
        {
            Table = table,
            Key = new Dictionary<string, DynamoAttributeValue>
            {
                [StudyTable.PartitionKey] = DynamoAttributeValue.FromString(JsonPath.StringAt("$.study_id")),
            },
            // The monitor's write has just been made; an eventually consistent read could miss it.
            ConsistentRead = true,
            ProjectionExpression =
            [
                new DynamoProjectionExpression().WithAttribute("#status"),
                new DynamoProjectionExpression().WithAttribute("#datastore_id"),
                new DynamoProjectionExpression().WithAttribute("#image_set_id"),
                new DynamoProjectionExpression().WithAttribute("#image_set_ids"),
            ],
            // "status" is a DynamoDB reserved word; the others are named alike for one reading.
            ExpressionAttributeNames = new Dictionary<string, string>
            {
                ["#status"] = "status",
                ["#datastore_id"] = "datastore_id",
                ["#image_set_id"] = "image_set_id",
                ["#image_set_ids"] = "image_set_ids",
            },
            ResultPath = "$.study",
        });
        read.AddRetry(new RetryProps
        {
            Errors = [.. DynamoRetryErrors],
            Interval = Duration.Seconds(1),
            MaxAttempts = 5,
            BackoffRate = 2,
            JitterStrategy = JitterType.FULL,
        });
        read.AddCatch(otherwise, new CatchProps
        {
            Errors = [Errors.ALL],
            ResultPath = JsonPath.DISCARD,
        });

        // Exactly the fields PublishStudyReady reads, as the monitor's output carries them.
        var shapeReadyStudy = new Pass(this, "ShapeReadyStudy", new PassProps
        {
            Parameters = new Dictionary<string, object>
            {
                ["study_id"] = JsonPath.StringAt("$.study_id"),
                ["datastore_id"] = JsonPath.StringAt("$.study.Item.datastore_id.S"),
                ["image_set_id"] = JsonPath.StringAt("$.study.Item.image_set_id.S"),
                ["image_set_ids"] = JsonPath.ListAt("$.study.Item.image_set_ids.L[*].S"),
            },
        });
        shapeReadyStudy.Next(publishStudyReady);

        // A missing item has no Item key, so IsPresent keeps the comparison from failing the execution.
        read.Next(new Choice(this, "WasStudyReady")
            .When(
                Condition.And(
                    Condition.IsPresent("$.study.Item.status.S"),
                    Condition.StringEquals("$.study.Item.status.S", StatusReadyForAnalysis)),
                shapeReadyStudy)
            .Otherwise(otherwise));
        return read;
    }

    /// <param name="whenAlreadyEnded">Where a study that already has an outcome (the condition failed) goes.</param>
    private DynamoUpdateItem MarkStudy(string stateName, ITable table, string status, string reason, Fail then, IChainable whenAlreadyEnded)
    {
        var update = new DynamoUpdateItem(this, stateName, new DynamoUpdateItemProps
        {
            Table = table,
            Key = new Dictionary<string, DynamoAttributeValue>
            {
                [StudyTable.PartitionKey] = DynamoAttributeValue.FromString(JsonPath.StringAt("$.study_id")),
            },
            UpdateExpression = "SET #status = :status, #failure_reason = :failure_reason, #updated_at = :updated_at",
            // Never overwrite an outcome another writer (monitor, backstop) already recorded; the
            // statuses are the ones the monitor may move on from (StudyStatus.Monitorable).
            ConditionExpression = "#status IN (:received, :queued, :importing, :upload_failed)",
            ExpressionAttributeNames = new Dictionary<string, string>
            {
                ["#status"] = "status",
                ["#failure_reason"] = "failure_reason",
                ["#updated_at"] = "updated_at",
            },
            ExpressionAttributeValues = new Dictionary<string, DynamoAttributeValue>
            {
                [":status"] = DynamoAttributeValue.FromString(status),
                [":failure_reason"] = DynamoAttributeValue.FromString(reason),
                [":updated_at"] = DynamoAttributeValue.FromString(JsonPath.StateEnteredTime),
                [":received"] = DynamoAttributeValue.FromString(StatusReceived),
                [":queued"] = DynamoAttributeValue.FromString(StatusQueued),
                [":importing"] = DynamoAttributeValue.FromString(StatusImporting),
                [":upload_failed"] = DynamoAttributeValue.FromString(StatusUploadFailed),
            },
            ResultPath = JsonPath.DISCARD,
        });
        update.AddRetry(new RetryProps
        {
            Errors = [.. DynamoRetryErrors],
            Interval = Duration.Seconds(1),
            MaxAttempts = 5,
            BackoffRate = 2,
            JitterStrategy = JitterType.FULL,
        });
        update.AddCatch(whenAlreadyEnded, new CatchProps
        {
            Errors = [ConditionalCheckFailed],
            ResultPath = JsonPath.DISCARD,
        });
        update.Next(then);
        return update;
    }
}
